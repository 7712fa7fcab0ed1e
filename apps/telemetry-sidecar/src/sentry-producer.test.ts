import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { summarizeEnvelope } from './page/summarize-envelope.ts';
import { SIDECAR_ENTRY } from './test-support/envelopes.ts';
import { openLiveReader } from './test-support/live-reader.ts';

const PRODUCER = fileURLToPath(new URL('./test-support/sentry-producer.ts', import.meta.url));

let app: RunningApp;
beforeAll(async () => {
  app = await startApp({ entry: SIDECAR_ENTRY, env: { STORE: 'memory' } });
});
afterAll(async () => {
  await app?.stop();
});

it('a real Sentry SDK (@sentry/node, spotlight option) sends an exception and a message that arrive on /stream with ids', async () => {
  const reader = openLiveReader(app.url);
  try {
    await reader.waitForStatus('live');

    const producer = spawn(process.execPath, [PRODUCER], {
      env: { ...process.env, SPOTLIGHT_URL: `${app.url}/stream`, SENTRY_DSN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    producer.stdout.on('data', (chunk) => {
      output += chunk;
    });
    producer.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const [code] = await once(producer, 'exit');
    expect(code, output).toBe(0);

    const isEvent = () =>
      reader.events.filter((event) => summarizeEnvelope(JSON.parse(event.data)).itemTypes.includes('event'));
    await expect.poll(() => isEvent().length, { timeout: 10_000 }).toBe(2);

    const events = isEvent();
    for (const event of events) {
      expect(event.event).toBe('application/x-sentry-envelope');
      expect(event.id).toMatch(/^[A-Za-z0-9._~-]{3,64}$/);
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(2);

    const [exception, message] = events.map(
      (event) => JSON.parse(event.data) as [Record<string, unknown>, [unknown, Record<string, unknown>][]],
    );
    const thrown = (
      exception![1][0]![1].exception as { values: { type: string; value: string }[] }
    ).values.at(-1);
    expect(thrown).toMatchObject({ type: 'TypeError', value: 'user 42 has no profile' });
    expect(exception![1][0]![1]).toMatchObject({
      environment: 'producer-test',
      release: 'telemetry-sidecar-test@1.0.0',
    });
    expect(message![1][0]![1]).toMatchObject({ message: 'Checkout finished', level: 'info' });

    // What the overlay shows for them.
    expect(summarizeEnvelope(exception)).toMatchObject({
      kind: 'error',
      title: 'TypeError: user 42 has no profile',
    });
    expect(summarizeEnvelope(message)).toMatchObject({
      kind: 'message',
      title: 'Checkout finished',
      level: 'info',
    });
    expect(summarizeEnvelope(exception).detail).toContain('at loadUser (');
  } finally {
    reader.close();
  }
});
