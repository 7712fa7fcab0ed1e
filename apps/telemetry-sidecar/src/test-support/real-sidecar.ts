// Spotlight's own sidecar (@spotlightjs/spotlight), for the wire comparison in
// spotlight-wire.test.ts: PORT=… node real-sidecar.ts. Started through its library entry, not its
// CLI, so that it sends no telemetry of its own to sentry.io.
import { setupSpotlight } from '@spotlightjs/spotlight';

await setupSpotlight({ port: Number(process.env.PORT), isStandalone: true });
console.log(`real sidecar listening on ${process.env.PORT}`);
