/**
 * The demo apps under test (their contract: demo-support's README), each described by how to publish to it, which stream to
 * fuzz, and what hostile requests look like for its routes. An app whose entry file does not
 * exist yet is reported as not covered rather than silently passed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { SeededRandom } from './seeded-random.ts';

export interface PlainRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface DemoApp {
  readonly name: string;
  readonly framework: 'hono' | 'express' | 'fastify';
  readonly entry: string;
  readonly exists: boolean;
  /** Extra environment for the fuzz runs. */
  readonly env: Readonly<Record<string, string>>;
  /** The body limit the fuzz runs set (`MAX_BODY_BYTES`). */
  readonly maxBodyBytes: number;
  /** A request that stores one event (or starts one job). */
  validPublish(n: number): PlainRequest;
  /** The status `validPublish` answers when it worked. */
  readonly publishedStatus: number;
  /** Creates what the stream needs (a job) and returns its path and request headers. */
  prepareStream(baseUrl: string): Promise<{ path: string; headers: Array<[string, string]> }>;
  /** One hostile request against the app's write routes. */
  hostileRequest(random: SeededRandom): PlainRequest;
}

const MAX_BODY_BYTES = 65_536;

function appEntry(name: string): string {
  return fileURLToPath(new URL(`../../../../apps/${name}/src/main.ts`, import.meta.url));
}

/** Byte-level damage to a valid body: flips, cuts, insertions of characters parsers trip on. */
function mutate(random: SeededRandom, body: Buffer): Buffer {
  const bytes = Buffer.from(body);
  switch (random.int(0, 6)) {
    case 0: {
      for (let flips = random.int(1, 8); flips > 0; flips--)
        bytes[random.int(0, bytes.length - 1)] = random.int(0, 255);
      return bytes;
    }
    case 1:
      return bytes.subarray(0, random.int(0, bytes.length));
    case 2: {
      const at = random.int(0, bytes.length);
      const nasty = Buffer.from(
        random.pick(['\0', '\r\n', '\n\n', '"', '\\', '\uD800', '{', ']', 'ÿ', '\u2028', '}}}}']),
      );
      return Buffer.concat([bytes.subarray(0, at), nasty, bytes.subarray(at)]);
    }
    case 3:
      return Buffer.concat([bytes, bytes]);
    case 4:
      return Buffer.concat([bytes.subarray(0, random.int(0, bytes.length)), Buffer.from('\n'), bytes]);
    case 5:
      return Buffer.from(
        bytes.toString('latin1').replace(/[0-9]/g, () => String(random.int(0, 9)).repeat(random.int(1, 20))),
        'latin1',
      );
    default:
      return Buffer.from(JSON.stringify(bytes.toString('utf8')));
  }
}

function randomBytes(random: SeededRandom, max: number): Buffer {
  const bytes = Buffer.alloc(random.int(0, max));
  for (let index = 0; index < bytes.length; index++) bytes[index] = random.int(0, 255);
  return bytes;
}

/** JSON that is valid but built to hurt: deep nesting, huge arrays, prototype keys, odd numbers. */
function weirdJson(random: SeededRandom): Buffer {
  switch (random.int(0, 6)) {
    case 0: {
      const depth = random.int(100, 20_000);
      return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    }
    case 1:
      return Buffer.from(JSON.stringify(Array.from({ length: random.int(100, 6_000) }, (_, index) => index)));
    case 2:
      return Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    case 3:
      return Buffer.from(
        random.pick(['1e999', '-0', 'null', 'true', '""', '[]', '{}', '9'.repeat(400), '"\\ud800"']),
      );
    case 4:
      return Buffer.from(JSON.stringify({ a: 'x'.repeat(random.int(1, 60_000)) }));
    case 5: {
      const depth = random.int(100, 5_000);
      return Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    }
    default:
      return Buffer.from(
        JSON.stringify({ [`k${random.int(0, 9)}`.repeat(random.int(1, 500))]: random.next() }),
      );
  }
}

/** Content-Encoding variants: valid gzip, corrupt data, unknown codings, and a small bomb. */
const BOMB = gzipSync(Buffer.alloc(8 * 1_048_576));
function encoded(random: SeededRandom, body: Buffer): { body: Buffer; headers: Record<string, string> } {
  switch (random.int(0, 5)) {
    case 0:
      return { body: gzipSync(body), headers: { 'content-encoding': 'gzip' } };
    case 1:
      return { body, headers: { 'content-encoding': random.pick(['gzip', 'br', 'deflate']) } };
    case 2:
      return {
        body,
        headers: {
          'content-encoding': random.pick(['zstd', 'compress', 'x-unknown', 'gzip, zstd', '', ' , ']),
        },
      };
    case 3:
      return { body: BOMB, headers: { 'content-encoding': 'gzip' } };
    case 4:
      return { body: gzipSync(gzipSync(body)), headers: { 'content-encoding': 'gzip, gzip' } };
    default:
      return { body, headers: { 'content-encoding': 'identity' } };
  }
}

const NASTY_TYPES = [
  '',
  'text/plain',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-7',
  'application/*',
  '*/*',
  ';;;',
  'application/json;'.repeat(50),
];

/** The common recipe: mostly damaged valid bodies, plus junk, weird JSON, wrong types and codings. */
function hostileBody(
  random: SeededRandom,
  valid: () => { body: Buffer; headers: Record<string, string> },
): { body: Buffer; headers: Record<string, string> } {
  const base = valid();
  const roll = random.next();
  if (roll < 0.05) return base;
  if (roll < 0.45) return { body: mutate(random, base.body), headers: base.headers };
  if (roll < 0.6) return { body: randomBytes(random, 4_096), headers: base.headers };
  if (roll < 0.75) return { body: weirdJson(random), headers: base.headers };
  if (roll < 0.85)
    return { body: base.body, headers: { ...base.headers, 'content-type': random.pick(NASTY_TYPES) } };
  if (roll < 0.97) {
    const coded = encoded(random, base.body);
    return { body: coded.body, headers: { ...base.headers, ...coded.headers } };
  }
  // Just over the limit.
  return { body: Buffer.alloc(MAX_BODY_BYTES + random.int(1, 4_096), 0x7b), headers: base.headers };
}

function envelope(eventId: string, message: string): Buffer {
  const header = JSON.stringify({ event_id: eventId, sent_at: new Date(0).toISOString() });
  const item = JSON.stringify({ event_id: eventId, level: 'info', message, timestamp: 0 });
  return Buffer.from(`${header}\n{"type":"event"}\n${item}\n`);
}

const telemetrySidecar: DemoApp = {
  name: 'telemetry-sidecar',
  framework: 'hono',
  entry: appEntry('telemetry-sidecar'),
  exists: existsSync(appEntry('telemetry-sidecar')),
  env: { MAX_BODY_BYTES: String(MAX_BODY_BYTES), MAX_ENVELOPE_BYTES: String(4 * MAX_BODY_BYTES) },
  maxBodyBytes: MAX_BODY_BYTES,
  publishedStatus: 200,
  validPublish: (n) => ({
    method: 'POST',
    path: '/stream',
    headers: { 'content-type': 'application/x-sentry-envelope' },
    body: envelope(randomUUID().replaceAll('-', ''), `message ${n}`),
  }),
  prepareStream: async () => ({ path: '/stream', headers: [] }),
  hostileRequest(random) {
    const { body, headers } = hostileBody(random, () => ({
      body: envelope(
        random.int(0, 3) === 0 ? 'x'.repeat(random.int(0, 64)) : randomUUID().replaceAll('-', ''),
        'fuzz',
      ),
      headers: { 'content-type': 'application/x-sentry-envelope' },
    }));
    return { method: 'POST', path: '/stream', headers, body };
  },
};

function cloudEvent(random: SeededRandom | undefined, n: number): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `e-${n}-${random ? random.int(0, 1e9) : randomUUID()}`,
    source: '/resilience',
    type: 'test.fuzz',
    data: { n },
  };
}

const cloudeventsPlayer: DemoApp = {
  name: 'cloudevents-player',
  framework: 'express',
  entry: appEntry('cloudevents-player'),
  exists: existsSync(appEntry('cloudevents-player')),
  env: { MAX_BODY_BYTES: String(MAX_BODY_BYTES), PING_INTERVAL_MS: '0' },
  maxBodyBytes: MAX_BODY_BYTES,
  publishedStatus: 200,
  validPublish: (n) => ({
    method: 'POST',
    path: '/events',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: Buffer.from(JSON.stringify(cloudEvent(undefined, n))),
  }),
  prepareStream: async () => ({ path: '/stream', headers: [] }),
  hostileRequest(random) {
    const mode = random.int(0, 2);
    const { body, headers } = hostileBody(random, () => {
      if (mode === 0) {
        return {
          body: Buffer.from(JSON.stringify(cloudEvent(random, 0))),
          headers: { 'content-type': 'application/cloudevents+json' },
        };
      }
      if (mode === 1) {
        const batch = Array.from({ length: random.int(0, 5) }, (_, index) => cloudEvent(random, index));
        return {
          body: Buffer.from(JSON.stringify(batch)),
          headers: { 'content-type': 'application/cloudevents-batch+json' },
        };
      }
      // Binary mode: attributes in ce-* headers, some of them missing or odd.
      const binary: Record<string, string> = {
        'content-type': 'application/json',
        'ce-specversion': random.pick(['1.0', '0.3', '', '1.0\t']),
      };
      if (random.next() < 0.9)
        binary['ce-id'] = random.pick([`b-${random.int(0, 1e9)}`, '', ' ', 'x'.repeat(2_000)]);
      if (random.next() < 0.9) binary['ce-source'] = random.pick(['/src', '', '::::', '%zz']);
      if (random.next() < 0.9) binary['ce-type'] = random.pick(['t', '', 'ünï']);
      if (random.next() < 0.3)
        binary['ce-time'] = random.pick(['2020-13-45T99:99:99Z', 'yesterday', '2024-01-01T00:00:00Z']);
      return { body: Buffer.from('{"n":1}'), headers: binary };
    });
    return { method: 'POST', path: '/events', headers, body };
  },
};

const generationJobs: DemoApp = {
  name: 'generation-jobs',
  framework: 'fastify',
  entry: appEntry('generation-jobs'),
  exists: existsSync(appEntry('generation-jobs')),
  env: { MAX_BODY_BYTES: String(MAX_BODY_BYTES) },
  maxBodyBytes: MAX_BODY_BYTES,
  publishedStatus: 201,
  validPublish: () => ({
    method: 'POST',
    path: '/jobs',
    headers: { 'content-type': 'application/json', authorization: 'Bearer resilience' },
    body: Buffer.from(JSON.stringify({ prompt: 'hello', tokens: 1, delayMs: 0 })),
  }),
  async prepareStream(baseUrl) {
    // A job that keeps running for the whole drill (1,000 tokens, one a second), so its stream
    // stays open and short (a `reset` replays it all); a few tokens to take cursors from.
    const response = await fetch(`${baseUrl}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer resilience' },
      body: JSON.stringify({ prompt: 'a long one', tokens: 1_000, delayMs: 1_000 }),
    });
    if (response.status !== 201)
      throw new Error(`POST /jobs answered ${response.status}: ${await response.text()}`);
    const { streamUrl } = (await response.json()) as { streamUrl: string };
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    return { path: streamUrl, headers: [['Authorization', 'Bearer resilience']] };
  },
  hostileRequest(random) {
    const auth = random.pick([
      'Bearer resilience',
      'Bearer fuzz',
      '',
      'Bearer',
      'Bearer \t',
      'Basic abc',
      `Bearer ${'t'.repeat(random.int(1_000, 1_100))}`,
    ]);
    const roll = random.next();
    if (roll < 0.1) {
      const id = random.pick([
        'x',
        '..',
        '%2e%2e',
        'A'.repeat(65),
        encodeURIComponent('\0'),
        'job:1',
        '%zz',
        '',
      ]);
      return {
        method: random.pick(['POST', 'GET']),
        path: `/jobs/${id}/${random.pick(['cancel', 'recover'])}`,
        headers: { authorization: auth },
      };
    }
    const { body, headers } = hostileBody(random, () => {
      // Valid jobs stay tiny: the drill is about input, not about running 100,000 generations.
      const job: Record<string, unknown> = {
        prompt: random.pick(['hi', '', ' ', 'p'.repeat(2_001), '\0\r\n']),
        tokens: random.pick([1, 0, -1, 1.5, 1e9, '1', null]),
      };
      if (random.next() < 0.5) job.delayMs = random.pick([0, -5, 10_001, 'x', 1e308]);
      if (random.next() < 0.1) job[random.pick(['__proto__', 'constructor', 'extra'])] = {};
      return { body: Buffer.from(JSON.stringify(job)), headers: { 'content-type': 'application/json' } };
    });
    return {
      method: 'POST',
      path: '/jobs',
      headers: auth ? { ...headers, authorization: auth } : headers,
      body,
    };
  },
};

export const DEMO_APPS: readonly DemoApp[] = [telemetrySidecar, cloudeventsPlayer, generationJobs];
