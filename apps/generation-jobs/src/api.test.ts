import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  cancel,
  createJob,
  JOBS_ENTRY,
  metric,
  metrics,
  openJobStream,
  recover,
  request,
  waitForEnd,
} from './test-support/jobs-api.ts';

const MAX_BODY_BYTES = 1_024;
let app: RunningApp;

beforeAll(async () => {
  app = await startApp({
    entry: JOBS_ENTRY,
    env: { STORE: 'memory', MAX_BODY_BYTES: String(MAX_BODY_BYTES), HEARTBEAT_MS: '250' },
  });
});
afterAll(async () => {
  await app?.stop();
});

function postJobs(body: string | undefined, headers: Record<string, string>) {
  return request(`${app.url}/jobs`, { method: 'POST', headers, body });
}

const json = { ...bearer('ada'), 'content-type': 'application/json' };

describe('POST /jobs', () => {
  it('answers 201 { id, streamUrl } with a Location, and the job runs with the defaults', async () => {
    const response = await postJobs(JSON.stringify({ prompt: 'defaults please', delayMs: 0 }), json);
    expect(response.status).toBe(201);
    const { id } = response.body as { id: string };
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(response.body).toEqual({
      id,
      streamUrl: `/jobs/${id}/stream`,
      recoverUrl: `/jobs/${id}/recover`,
      cancelUrl: `/jobs/${id}/cancel`,
    });
    expect(response.headers.get('location')).toBe(`/jobs/${id}/recover`);
    const ended = await waitForEnd(app.url, 'ada', id);
    expect(ended.job).toEqual({
      type: 'generation',
      prompt: 'defaults please',
      tokens: 50,
      delayMs: 0,
      startedAt: expect.any(String),
      lastHeartbeat: expect.any(String),
    });
    expect(ended.events.filter((event) => event.event === 'token')).toHaveLength(50);
  });

  it('refuses bad input with a JSON error and stores nothing', async () => {
    const startedBefore = metric(await metrics(app.url), 'generation_jobs_started_total');
    const cases: {
      body: string | undefined;
      headers: Record<string, string>;
      status: number;
      error: RegExp;
    }[] = [
      {
        body: '{"prompt": "x"}',
        headers: { 'content-type': 'application/json' },
        status: 401,
        error: /Authorization: Bearer/,
      },
      {
        body: '{"prompt": "x"}',
        headers: { 'content-type': 'application/json', authorization: 'Basic YWRhOng=' },
        status: 401,
        error: /Bearer/,
      },
      {
        body: '{"prompt": "x"}',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ' },
        status: 401,
        error: /Bearer/,
      },
      {
        body: '{"prompt": "x"}',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${'t'.repeat(201)}` },
        status: 401,
        error: /Bearer/,
      },
      {
        body: '{"prompt": "x"}',
        headers: { ...bearer('ada'), 'content-type': 'text/plain' },
        status: 415,
        error: /application\/json/,
      },
      { body: '{"prompt": "x"}', headers: bearer('ada'), status: 415, error: /application\/json/ },
      {
        body: '{"prompt": "x"}',
        headers: { ...json, 'content-encoding': 'gzip' },
        status: 415,
        error: /uncompressed/,
      },
      {
        body: JSON.stringify({ prompt: 'x'.repeat(MAX_BODY_BYTES) }),
        headers: json,
        status: 413,
        error: /larger than 1024 bytes/,
      },
      { body: '{"prompt": "x",', headers: json, status: 400, error: /not valid JSON/ },
      { body: '', headers: json, status: 400, error: /empty/ },
      {
        body: '{"__proto__": {"admin": true}, "prompt": "x"}',
        headers: json,
        status: 400,
        error: /not valid JSON/,
      },
      { body: '[]', headers: json, status: 400, error: /JSON object/ },
      { body: '{"tokens": 3}', headers: json, status: 400, error: /"prompt" is required/ },
      {
        body: '{"prompt": "x", "tokens": 0}',
        headers: json,
        status: 400,
        error: /"tokens" must be a whole number from 1 to 1000/,
      },
      { body: '{"prompt": "x", "tokens": 1001}', headers: json, status: 400, error: /"tokens"/ },
      {
        body: '{"prompt": "x", "delayMs": -1}',
        headers: json,
        status: 400,
        error: /"delayMs" must be a whole number from 0 to 10000/,
      },
      { body: '{"prompt": "x", "delayMs": 10001}', headers: json, status: 400, error: /"delayMs"/ },
      { body: '{"prompt": "x", "delay": 5}', headers: json, status: 400, error: /Unknown field "delay"/ },
    ];
    for (const { body, headers, status, error } of cases) {
      const response = await postJobs(body, headers);
      expect(
        { status: response.status, body: response.body },
        `${JSON.stringify(headers)} ${body?.slice(0, 40)}`,
      ).toEqual({
        status,
        body: { error: expect.stringMatching(error) },
      });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expect(metric(await metrics(app.url), 'generation_jobs_started_total')).toBe(startedBefore);
  });

  it('refuses a body larger than the limit however it is sent (chunked, no Content-Length)', async () => {
    const big = new TextEncoder().encode(JSON.stringify({ prompt: 'y'.repeat(4 * MAX_BODY_BYTES) }));
    const response = await request(`${app.url}/jobs`, {
      method: 'POST',
      headers: json,
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(big);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ error: expect.stringContaining('larger than') });
  });
});

describe('a job belongs to its creator', () => {
  it('answers 401 without credentials and 404 for another user’s or an unknown job on stream, recover and cancel', async () => {
    const { id } = await createJob(app.url, 'ada', { prompt: 'mine', tokens: 3, delayMs: 0 });
    const paths = [
      ['GET', `/jobs/${id}/stream`],
      ['GET', `/jobs/${id}/recover`],
      ['POST', `/jobs/${id}/cancel`],
    ] as const;
    for (const [method, path] of paths) {
      const anonymous = await request(`${app.url}${path}`, { method });
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="generation-jobs"');
      expect(anonymous.body).toEqual({ error: expect.stringContaining('Authorization: Bearer') });

      const stranger = await request(`${app.url}${path}`, { method, headers: bearer('grace') });
      expect(stranger.status, `${method} ${path} as another user`).toBe(404);
      expect(stranger.body).toEqual({ error: `No job "${id}" for this user.` });

      const unknown = await request(`${app.url}${path.replace(id, 'AAAAAAAAAAAAAAAA')}`, {
        method,
        headers: bearer('ada'),
      });
      expect(unknown.status).toBe(404);
      const hostile = await request(`${app.url}${path.replace(id, '%7Bx%7D%0A')}`, {
        method,
        headers: bearer('ada'),
      });
      expect(hostile.status).toBe(404);
    }
    // A refused stream request gets no stream at all, even with a cursor.
    const refused = await openJobStream(app.url, 'grace', id, 'whatever.1');
    await refused.waitForEnd();
    expect(refused.status).toBe(404);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);

    const owner = await recover(app.url, 'ada', id);
    expect(owner.status).toBe(200);
  });

  it('lets each user cancel only their own job', async () => {
    const { id } = await createJob(app.url, 'ada', { prompt: 'long one', tokens: 100, delayMs: 50 });
    expect((await cancel(app.url, 'grace', id)).status).toBe(404);
    expect((await recover(app.url, 'ada', id)).body.status).toBe('active');
    const cancelled = await cancel(app.url, 'ada', id);
    expect(cancelled.status).toBe(200);
  });
});

describe('other routes', () => {
  it('GET /health answers 200 with the store', async () => {
    const health = await request(`${app.url}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', store: 'memory' } });
  });

  it('an unknown route is a JSON 404', async () => {
    const response = await request(`${app.url}/nope?x=1`);
    expect(response).toMatchObject({ status: 404, body: { error: 'No route for GET /nope.' } });
  });

  it('GET / serves the page, telling it HEARTBEAT_MS, and its script', async () => {
    const page = await fetch(`${app.url}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/page.js">');
    expect(html).toContain('<meta name="heartbeat-ms" content="250" />');
    const script = await fetch(`${app.url}/page.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await script.text()).length).toBeGreaterThan(1_000);
  });
});
