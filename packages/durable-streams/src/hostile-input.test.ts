import { type EventStore, memoryStore, ResumableSseError } from '@resumable-sse/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createDurableStreamsHandler, type DurableStreamsHandler } from './index.ts';
import { MEMORY_MAX_EVENTS } from './test-support/stores.ts';

const BASE = 'http://streams.test/v1/stream';
let stores: EventStore[] = [];

function handlerOn(store: EventStore, maxBodyBytes = 1024): DurableStreamsHandler {
  return createDurableStreamsHandler({ store, maxBodyBytes, longPollTimeoutMs: 200 });
}

function freshStore(): EventStore {
  const store = memoryStore({ maxEvents: MEMORY_MAX_EVENTS });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores) await store.close();
  stores = [];
});

async function create(
  handler: DurableStreamsHandler,
  name: string,
  contentType = 'text/plain',
  body?: string,
) {
  const response = await handler(
    new Request(`${BASE}/${name}`, {
      method: 'PUT',
      headers: { 'content-type': contentType },
      body: body ?? null,
    }),
  );
  expect(response.status).toBe(201);
  return response;
}

async function post(
  handler: DurableStreamsHandler,
  name: string,
  body: BodyInit | null,
  headers: Record<string, string> = {},
) {
  return handler(
    new Request(`${BASE}/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit),
  );
}

async function read(handler: DurableStreamsHandler, name: string, offset = '-1') {
  const response = await handler(new Request(`${BASE}/${name}?offset=${encodeURIComponent(offset)}`));
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { code: string }).code;
}

describe('bad offsets', () => {
  it.each([
    ['abc'],
    ['0,1'],
    ['-2'],
    ['0000000000000000_1'],
    ['0000000000000000_0000000000000001x'],
    ['NOW'],
  ])('answers %s with 400 BAD_OFFSET', async (offset) => {
    const handler = handlerOn(freshStore());
    await create(handler, 'offsets', 'text/plain', 'data');
    const response = await handler(new Request(`${BASE}/offsets?offset=${encodeURIComponent(offset)}`));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('BAD_OFFSET');
  });

  it('answers a position from a log the store no longer holds with 410, and one past the end with 400', async () => {
    const handler = handlerOn(freshStore());
    const created = await create(handler, 'lost', 'text/plain', 'data');
    const tail = created.headers.get('stream-next-offset')!;
    const [tag, position] = tail.split('_') as [string, string];
    const otherTag = String((Number(tag.slice(-4)) + 1) % 10_000).padStart(4, '0');
    const fromLostLog = `${tag.slice(0, -4)}${otherTag}_${position}`;
    const gone = await handler(new Request(`${BASE}/lost?offset=${fromLostLog}`));
    expect(gone.status).toBe(410);
    expect(await errorCode(gone)).toBe('OFFSET_GONE');
    const pastEnd = `${tag}_${String(Number(position) + 5).padStart(16, '0')}`;
    const beyond = await handler(new Request(`${BASE}/lost?offset=${pastEnd}`));
    expect(beyond.status).toBe(400);
  });
});

describe('huge bodies', () => {
  it('refuses a body over maxBodyBytes with 413 and stores nothing, with or without Content-Length', async () => {
    const handler = handlerOn(freshStore(), 1024);
    await create(handler, 'big', 'text/plain', 'kept');
    const declared = await post(handler, 'big', 'x'.repeat(2048));
    expect(declared.status).toBe(413);
    expect(await errorCode(declared)).toBe('PAYLOAD_TOO_LARGE');

    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i += 1) controller.enqueue(new Uint8Array(512).fill(65));
        controller.close();
      },
    });
    const streamed = await post(handler, 'big', chunks);
    expect(streamed.status).toBe(413);
    expect((await read(handler, 'big')).body).toBe('kept');
  });

  it('refuses an oversized create and leaves no stream behind', async () => {
    const handler = handlerOn(freshStore(), 16);
    const response = await handler(
      new Request(`${BASE}/big-create`, {
        method: 'PUT',
        headers: { 'content-type': 'text/plain' },
        body: 'y'.repeat(64),
      }),
    );
    expect(response.status).toBe(413);
    expect((await handler(new Request(`${BASE}/big-create`, { method: 'HEAD' }))).status).toBe(404);
  });
});

describe('wrong content types and malformed bodies', () => {
  it('answers a mismatched type with 409, a malformed type with 400, and stores nothing', async () => {
    const handler = handlerOn(freshStore());
    await create(handler, 'types', 'text/plain', 'a');
    expect((await post(handler, 'types', '{}', { 'content-type': 'application/json' })).status).toBe(409);
    const malformed = await post(handler, 'types', 'b', { 'content-type': 'not a type' });
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe('BAD_REQUEST');
    expect((await read(handler, 'types')).body).toBe('a');
  });

  it('refuses invalid JSON on a JSON stream, on create and on append, without a partial write', async () => {
    const handler = handlerOn(freshStore());
    const bad = await handler(
      new Request(`${BASE}/json-bad`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"a":',
      }),
    );
    expect(bad.status).toBe(400);
    expect((await handler(new Request(`${BASE}/json-bad`, { method: 'HEAD' }))).status).toBe(404);

    await create(handler, 'json', 'application/json', '[{"a":1}]');
    const cases = ['[{"b":2},', '\u00ff', '[]'];
    for (const body of cases) {
      expect((await post(handler, 'json', body, { 'content-type': 'application/json' })).status).toBe(400);
    }
    // A close riding on a bad body is refused whole: the stream stays open.
    const closing = await post(handler, 'json', '{"c":', {
      'content-type': 'application/json',
      'stream-closed': 'true',
    });
    expect(closing.status).toBe(400);
    const after = await read(handler, 'json');
    expect(JSON.parse(after.body)).toEqual([{ a: 1 }]);
    expect(after.headers.get('stream-closed')).toBeNull();
  });

  it('answers malformed producer and closure headers with 400', async () => {
    const handler = handlerOn(freshStore());
    await create(handler, 'headers');
    const partial = await post(handler, 'headers', 'x', { 'producer-id': 'p', 'producer-epoch': '0' });
    expect(partial.status).toBe(400);
    const fractional = await post(handler, 'headers', 'x', {
      'producer-id': 'p',
      'producer-epoch': '1.5',
      'producer-seq': '0',
    });
    expect(fractional.status).toBe(400);
    expect((await post(handler, 'headers', 'x', { 'stream-closed': 'yes' })).status).toBe(400);
    expect((await read(handler, 'headers')).body).toBe('');
  });
});

describe('concurrent appends with one producer id and seq', () => {
  it('stores the batch once when many arrive at once on one server', async () => {
    const handler = handlerOn(freshStore());
    await create(handler, 'race');
    const headers = { 'producer-id': 'writer', 'producer-epoch': '0', 'producer-seq': '0' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post(handler, 'race', 'once', headers)),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 204)).toHaveLength(19);
    expect((await read(handler, 'race')).body).toBe('once');
  });

  it('stores the batch once when two servers on one store race on it', async () => {
    // Each server folds the log before it writes; a slow store lets both decide before either writes.
    const shared = freshStore();
    const later = <T>(value: Promise<T>) =>
      value.then((result) => new Promise<T>((resolve) => setTimeout(() => resolve(result), 5)));
    const store: EventStore = {
      kind: shared.kind,
      append: (stream, events) => shared.append(stream, events),
      readAfter: (stream, after, limit) => later(shared.readAfter(stream, after, limit)),
      position: (stream) => later(shared.position(stream)),
      subscribe: (stream, subscriber) => shared.subscribe(stream, subscriber),
      close: () => Promise.resolve(),
    };
    const [one, two] = [handlerOn(store), handlerOn(store)];
    await create(one, 'race-two');
    // Both have folded the stream already, so each decides from its own view at once.
    expect((await two(new Request(`${BASE}/race-two`, { method: 'HEAD' }))).status).toBe(200);
    const headers = { 'producer-id': 'writer', 'producer-epoch': '0', 'producer-seq': '0' };
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        post(index % 2 === 0 ? one : two, 'race-two', 'once', headers),
      ),
    );
    expect(responses.every((response) => response.status === 200 || response.status === 204)).toBe(true);
    expect((await read(one, 'race-two')).body).toBe('once');
    expect((await read(two, 'race-two')).body).toBe('once');
  });
});

describe('a store that is down', () => {
  function downStore(): EventStore {
    const down = () => Promise.reject(new ResumableSseError('STORE_UNAVAILABLE', 'unreachable'));
    return {
      kind: 'down',
      append: down,
      readAfter: down,
      position: down,
      subscribe: () => ({ ready: Promise.resolve(), unsubscribe: () => undefined }),
      close: () => Promise.resolve(),
    };
  }

  it.each(['PUT', 'POST', 'GET', 'HEAD', 'DELETE'])('answers %s with 503 and Retry-After', async (method) => {
    const handler = handlerOn(downStore());
    const body = method === 'PUT' || method === 'POST' ? 'x' : null;
    const response = await handler(
      new Request(`${BASE}/down?offset=-1`, { method, headers: { 'content-type': 'text/plain' }, body }),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });
});
