import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import {
  createAttachmentEnvelopeItem,
  createEnvelope,
  type Envelope,
  parseEnvelope,
  serializeEnvelope,
} from '@sentry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorEnvelope,
  messageEnvelope,
  newEventId,
  postEnvelope,
  SIDECAR_ENTRY,
} from './test-support/envelopes.ts';
import { replayStream } from './test-support/read-stream.ts';

let scratch: string;
let root: string;
let app: RunningApp;
let plain: RunningApp;
/** Written by the fake editor: the arguments it was started with, as JSON. */
let editorLog: string;

const SOURCE = Array.from({ length: 20 }, (_, i) => `const line${i + 1} = ${i + 1};`).join('\n');

beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'telemetry-routes-')));
  root = join(scratch, 'project');
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(join(root, 'src', 'app.ts'), SOURCE);
  writeFileSync(join(root, 'src', 'a;touch pwned.ts'), SOURCE);
  writeFileSync(join(root, 'node_modules', 'dep', 'index.js'), SOURCE);
  writeFileSync(join(scratch, 'secret.txt'), 'TOP SECRET\n'.repeat(20));
  symlinkSync(join(scratch, 'secret.txt'), join(root, 'src', 'link.ts'));
  symlinkSync(scratch, join(root, 'escape'));
  editorLog = join(scratch, 'editor.json');
  const editor = join(scratch, 'editor.mjs');
  writeFileSync(
    editor,
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(editorLog)}, JSON.stringify(process.argv.slice(2)));\n`,
  );
  [app, plain] = await Promise.all([
    startApp({
      entry: SIDECAR_ENTRY,
      env: {
        STORE: 'memory',
        SOURCE_ROOTS: root,
        OPEN_EDITOR: `${process.execPath} ${editor} --goto`,
        ALLOWED_HOSTS: 'devbox.lan',
        ALLOWED_ORIGINS: 'https://app.test:8443',
      },
    }),
    startApp({ entry: SIDECAR_ENTRY, env: { STORE: 'memory' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([app?.stop(), plain?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

/** A request with any `Host` header (fetch will not send one of its choosing). */
function withHost(url: string, host: string, method = 'GET', body?: string) {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ hostname, port, path: pathname + search, method, headers: { host } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
          // A stream that was let through: enough to know.
          if (res.headers['content-type']?.startsWith('text/event-stream')) res.destroy();
        });
        res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

async function headCount(target: RunningApp): Promise<number> {
  return ((await (await fetch(`${target.url}/health`)).json()) as { envelopes: number }).envelopes;
}

describe('Host allow-list (DNS rebinding)', () => {
  it('refuses a Host that is not a loopback name with 403 JSON on every route, storing nothing', async () => {
    const before = await headCount(app);
    for (const [method, path] of [
      ['GET', '/stream'],
      ['GET', '/'],
      ['GET', '/health'],
      ['POST', '/stream'],
      ['DELETE', '/clear'],
    ] as const) {
      const answer = await withHost(
        `${app.url}${path}`,
        'evil.example',
        method,
        method === 'POST' ? messageEnvelope(newEventId(), 'x') : undefined,
      );
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body).error).toContain('ALLOWED_HOSTS');
    }
    expect((await withHost(`${app.url}/health`, `evil.example:${app.port}`)).status).toBe(403);
    expect((await withHost(`${app.url}/health`, 'localhost.evil.example')).status).toBe(403);
    expect(await headCount(app)).toBe(before);
  });

  it('serves loopback names with any port, and the names in ALLOWED_HOSTS', async () => {
    for (const host of [
      'localhost',
      `localhost:${app.port}`,
      `127.0.0.1:${app.port}`,
      '[::1]:9',
      'devbox.lan:1234',
    ]) {
      expect((await withHost(`${app.url}/health`, host)).status, host).toBe(200);
    }
    expect((await withHost(`${plain.url}/health`, 'devbox.lan')).status).toBe(403);
    const stream = await withHost(`${app.url}/stream`, `localhost:${app.port}`);
    expect(stream.status).toBe(200);
  });
});

describe('what Spotlight UI and SDKs look for', () => {
  it('names the port in Server-Timing and identifies itself as a Spotlight sidecar', async () => {
    for (const path of ['/', '/health', '/stream?base64=1']) {
      const controller = new AbortController();
      const answer = await fetch(`${app.url}${path}`, { signal: controller.signal });
      expect(answer.headers.get('server-timing')).toBe(`sentrySpotlightPort;desc=${app.port}`);
      expect(answer.headers.get('x-powered-by')).toBe('spotlight-by-sentry');
      controller.abort();
    }
  });

  it('answers CORS for loopback origins and ALLOWED_ORIGINS on every route the UI calls', async () => {
    const preflight = (path: string, method: string, origin: string) =>
      fetch(`${app.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'content-type',
        },
      });
    for (const [path, method] of [
      ['/clear', 'DELETE'],
      ['/contextlines', 'PUT'],
      ['/open', 'POST'],
      ['/stream', 'POST'],
      ['/api/1/envelope/', 'POST'],
    ]) {
      for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000', 'https://app.test:8443']) {
        const answer = await preflight(path!, method!, origin);
        expect(answer.headers.get('access-control-allow-origin'), `${path} ${origin}`).toBe(origin);
        expect(answer.headers.get('access-control-allow-methods')).toContain(method);
      }
      expect(
        (await preflight(path!, method!, 'https://evil.example')).headers.get('access-control-allow-origin'),
      ).toBeNull();
      expect(
        (await preflight(path!, method!, 'https://app.test')).headers.get('access-control-allow-origin'),
      ).toBeNull();
    }
    const controller = new AbortController();
    const stream = await fetch(`${app.url}/stream`, {
      headers: { origin: 'http://localhost:8969' },
      signal: controller.signal,
    });
    expect(stream.headers.get('access-control-allow-origin')).toBe('http://localhost:8969');
    controller.abort();
  });

  it('takes envelopes on the DSN route, including the browser SDK’s text/plain posts', async () => {
    const query = '?sentry_key=abc&sentry_version=7&sentry_client=sentry.javascript.browser%2F10.0.0';
    const send = (path: string, headers: Record<string, string>) =>
      fetch(`${app.url}${path}`, { method: 'POST', headers, body: messageEnvelope(newEventId(), 'via dsn') });
    const before = await headCount(app);
    expect(
      (await send('/api/42/envelope/', { 'content-type': 'application/x-sentry-envelope' })).status,
    ).toBe(200);
    expect((await send('/api/42/envelope', { 'content-type': 'application/x-sentry-envelope' })).status).toBe(
      200,
    );
    const browser = await send(`/api/42/envelope/${query}`, {
      'content-type': 'text/plain;charset=UTF-8',
      origin: 'http://localhost:5173',
    });
    expect(browser.status).toBe(200);
    expect(browser.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(await headCount(app)).toBe(before + 3);
    // The quirk is the browser SDK's only: text/plain without it (or without a page) is still refused.
    expect((await send(`/api/42/envelope/${query}`, { 'content-type': 'text/plain' })).status).toBe(415);
    expect(
      (await send('/api/42/envelope/', { 'content-type': 'text/plain', origin: 'http://localhost:5173' }))
        .status,
    ).toBe(415);
    expect(await headCount(app)).toBe(before + 3);
  });

  it('names events application/x-sentry-envelope;base64 on GET /stream?base64=1, with the same data', async () => {
    await postEnvelope(app.url, errorEnvelope(newEventId(), 'base64 naming'));
    const frames = async (query: string) => {
      const controller = new AbortController();
      const response = await fetch(`${app.url}/stream${query}`, { signal: controller.signal });
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('event: caught-up'))
        text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      return text.split('\n\n').filter((frame) => frame.includes('data: [{'));
    };
    const named = await frames('?base64=1&client=spotlight-ui');
    const plainFrames = await frames('');
    expect(named.length).toBeGreaterThan(0);
    expect(named).toEqual(
      plainFrames.map((frame) =>
        frame.replace(
          'event: application/x-sentry-envelope\n',
          'event: application/x-sentry-envelope;base64\n',
        ),
      ),
    );
    expect(plainFrames.every((frame) => frame.includes('\nevent: application/x-sentry-envelope\n'))).toBe(
      true,
    );
    // Spotlight's sidecar looks only at whether the parameter is there.
    expect((await frames('?base64'))[0]).toContain('event: application/x-sentry-envelope;base64\n');
  });

  it('serves an envelope by its __spotlight_envelope_id for the Envelopes panel’s download', async () => {
    const eventId = newEventId();
    const envelope = createEnvelope<Envelope>({ event_id: eventId }, [
      [{ type: 'event' }, { event_id: eventId, message: 'with a file' }],
      createAttachmentEnvelopeItem({ filename: 'dump.bin', data: new Uint8Array([0, 1, 2, 255]) }),
    ] as never);
    expect((await postEnvelope(app.url, serializeEnvelope(envelope) as Uint8Array)).status).toBe(200);
    const { envelopes } = await replayStream(app.url, {});
    const stored = envelopes.find((each) => (each as [{ event_id: string }])[0].event_id === eventId) as [
      { __spotlight_envelope_id: string },
    ];
    const download = await fetch(`${app.url}/envelope/${stored[0].__spotlight_envelope_id}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/x-sentry-envelope');
    const [headers, items] = parseEnvelope(new Uint8Array(await download.arrayBuffer()));
    expect(headers).toMatchObject({ event_id: eventId });
    expect(items[1]![1]).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect((await fetch(`${app.url}/envelope/01900000-0000-7000-8000-000000000000`)).status).toBe(404);
    expect((await fetch(`${app.url}/envelope/not-an-id`)).status).toBe(404);
  });
});

describe('PUT /contextlines reads only files under SOURCE_ROOTS', () => {
  const frame = (filename: string, lineno = 10) => ({ filename, lineno, colno: 3, function: 'f' });
  const put = (target: RunningApp, body: string) =>
    fetch(`${target.url}/contextlines`, { method: 'PUT', body });

  it('adds source lines to frames in the roots (paths and file:// URLs) and leaves every other frame alone', async () => {
    const frames = [
      frame(join(root, 'src', 'app.ts')),
      frame(pathToFileURL(join(root, 'src', 'app.ts')).href, 2),
      frame(join(root, 'src', 'link.ts')),
      frame(join(root, 'escape', 'secret.txt')),
      frame(join(root, 'src', '..', '..', 'secret.txt')),
      frame(join(scratch, 'secret.txt')),
      frame(join(root, 'node_modules', 'dep', 'index.js')),
      frame('http://127.0.0.1:1/app.js'),
      frame('src/app.ts'),
      frame('/etc/passwd'),
    ];
    const answer = await put(app, JSON.stringify({ frames }));
    expect(answer.status).toBe(200);
    const { frames: out } = (await answer.json()) as { frames: Record<string, unknown>[] };
    expect(out[0]).toMatchObject({
      pre_context: [
        'const line5 = 5;',
        'const line6 = 6;',
        'const line7 = 7;',
        'const line8 = 8;',
        'const line9 = 9;',
      ],
      context_line: 'const line10 = 10;',
      post_context: [
        'const line11 = 11;',
        'const line12 = 12;',
        'const line13 = 13;',
        'const line14 = 14;',
        'const line15 = 15;',
      ],
    });
    expect(out[1]).toMatchObject({ pre_context: ['const line1 = 1;'], context_line: 'const line2 = 2;' });
    for (const [index, untouched] of out.slice(2).entries())
      expect(untouched, String(index + 2)).toEqual(frames[index + 2]);
    expect(JSON.stringify(out)).not.toContain('TOP SECRET');
  });

  it('reads nothing on a sidecar whose roots do not hold the file, and refuses a body that is not a stacktrace', async () => {
    const frames = [frame(join(root, 'src', 'app.ts'))];
    const answer = await put(plain, JSON.stringify({ frames }));
    expect(await answer.json()).toEqual({ frames });
    for (const body of ['not json', '"text"', '{"frames": 3}']) {
      const refused = await put(app, body);
      expect(refused.status).toBe(400);
      expect((await refused.json()).error).toContain('JSON stacktrace');
    }
  });
});

describe('POST /open', () => {
  const open = (target: RunningApp, body: string) => fetch(`${target.url}/open`, { method: 'POST', body });

  it('is off unless OPEN_EDITOR is set', async () => {
    const answer = await open(plain, join(root, 'src', 'app.ts'));
    expect(answer.status).toBe(403);
    expect((await answer.json()).error).toContain('OPEN_EDITOR');
  });

  it('runs the editor with the file as one argument (no shell), only for files under SOURCE_ROOTS', async () => {
    rmSync(editorLog, { force: true });
    expect((await open(app, `${join(root, 'src', 'app.ts')}:3:5`)).status).toBe(204);
    await expect.poll(() => existsSync(editorLog)).toBe(true);
    expect(JSON.parse(readFileSync(editorLog, 'utf8'))).toEqual([
      '--goto',
      `${join(root, 'src', 'app.ts')}:3:5`,
    ]);

    rmSync(editorLog, { force: true });
    const tricky = join(root, 'src', 'a;touch pwned.ts');
    expect((await open(app, tricky)).status).toBe(204);
    await expect.poll(() => existsSync(editorLog)).toBe(true);
    expect(JSON.parse(readFileSync(editorLog, 'utf8'))).toEqual(['--goto', tricky]);

    rmSync(editorLog, { force: true });
    for (const target of [
      join(scratch, 'secret.txt'),
      join(root, 'src', 'link.ts'),
      '$(touch pwned)',
      `${root}/../secret.txt`,
    ]) {
      const refused = await open(app, target);
      expect(refused.status, target).toBe(403);
      expect((await refused.json()).error).toContain('SOURCE_ROOTS');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(existsSync(editorLog)).toBe(false);
    expect(existsSync(join(root, 'src', 'pwned'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
  });
});
