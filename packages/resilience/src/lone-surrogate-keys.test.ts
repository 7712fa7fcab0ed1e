/**
 * Idempotency keys that differ only in a lone surrogate, through the demo apps over HTTP on
 * SQLite (where UTF-8 turned both into U+FFFD, so the second was answered `duplicate` and never
 * stored).
 * - telemetry-sidecar keys an envelope by its `event_id`: one that is not well-formed text is a
 *   400 JSON `{ "error" }` saying what to send, nothing stored — never a 500.
 * - cloudevents-player keys by `JSON.stringify([source, id])`, which escapes lone surrogates: two
 *   events whose ids differ only there are both stored, each once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, readAnswer, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, expect, it } from 'vitest';
import { DEMO_APPS } from './support/demo-apps.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'lone-surrogate-keys-'));
const apps: RunningApp[] = [];
afterAll(async () => {
  for (const app of apps) await app.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function demo(name: string) {
  const app = DEMO_APPS.find((candidate) => candidate.name === name);
  if (!app?.exists) throw new Error(`demo app ${name} is missing`);
  return app;
}

async function start(name: string): Promise<RunningApp> {
  const app = await startApp({
    entry: demo(name).entry,
    env: { STORE: 'sqlite', SQLITE_PATH: join(dataDir, `${name}.db`) },
  });
  apps.push(app);
  return app;
}

async function health(app: RunningApp): Promise<Record<string, unknown>> {
  return (await (await fetch(`${app.url}/health`)).json()) as Record<string, unknown>;
}

/** An envelope whose header line is written by hand, so `\ud800` arrives as a JSON escape. */
function envelope(eventIdJson: string): string {
  const item = JSON.stringify({ level: 'info', message: 'surrogate', timestamp: 0 });
  return `{"event_id":${eventIdJson},"sent_at":"1970-01-01T00:00:00.000Z"}\n{"type":"event"}\n${item}\n`;
}

it('telemetry-sidecar answers an event_id with a lone surrogate with 400 and stores nothing', async () => {
  const app = await start('telemetry-sidecar');
  const post = (eventIdJson: string) =>
    fetch(`${app.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-sentry-envelope' },
      body: envelope(eventIdJson),
    }).then(readAnswer);

  for (const id of ['"a\\ud800"', '"a\\udc00"', '"a\\ud801"']) {
    const answer = await post(id);
    expect(answer.status, id).toBe(400);
    expect((answer.body as { error: string }).error).toMatch(/lone surrogate.*send one of well-formed text/);
  }
  expect(await health(app)).toMatchObject({ envelopes: 0 });
  // U+FFFD itself is well-formed: stored once, its retry recognised.
  expect(await post('"a\\ufffd"')).toMatchObject({ status: 200, body: { duplicate: false } });
  expect(await post('"a\\ufffd"')).toMatchObject({ status: 200, body: { duplicate: true } });
  expect(await health(app)).toMatchObject({ envelopes: 1 });
});

it('cloudevents-player stores two events whose ids differ only in a lone surrogate, each once', async () => {
  const app = await start('cloudevents-player');
  const post = (idJson: string) =>
    fetch(`${app.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: `{"specversion":"1.0","id":${idJson},"source":"/surrogates","type":"t","data":{"n":1}}`,
    }).then(readAnswer);

  expect(await post('"e\\ud800"')).toMatchObject({ status: 200, body: { events: [{ duplicate: false }] } });
  expect(await post('"e\\ud801"')).toMatchObject({ status: 200, body: { events: [{ duplicate: false }] } });
  expect(await post('"e\\ud800"')).toMatchObject({ status: 200, body: { events: [{ duplicate: true }] } });
  expect(await health(app)).toMatchObject({ events: 2 });
});
