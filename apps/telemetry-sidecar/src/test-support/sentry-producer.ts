// A real Sentry SDK pointed at the sidecar through its `spotlight` option, run as a child process
// by sentry-producer.test.ts: SPOTLIGHT_URL=http://127.0.0.1:PORT/stream node sentry-producer.ts
import * as Sentry from '@sentry/node';

Sentry.init({
  // No DSN: nothing goes to sentry.io; Spotlight still receives every envelope.
  dsn: undefined,
  spotlight: process.env.SPOTLIGHT_URL,
  environment: 'producer-test',
  release: 'telemetry-sidecar-test@1.0.0',
});

function loadUser(id: string): never {
  throw new TypeError(`user ${id} has no profile`);
}

try {
  loadUser('42');
} catch (error) {
  Sentry.captureException(error);
}
Sentry.captureMessage('Checkout finished', 'info');
await Sentry.flush(2_000);
console.log('producer: captured an exception and a message');
