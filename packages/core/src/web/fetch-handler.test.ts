/**
 * The Fetch handler as a Bun, Deno or Workers user mounts it: real `Request` and `Response`
 * objects, the body read as a runtime reads it, no Node server in between.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../test-support/collecting-sink.ts';
import { closeHubs, hubOver } from '../test-support/hubs.ts';
import { createFetchHandler } from './fetch-handler.ts';

afterEach(closeHubs);

/** Reads a response body as an EventSource would. */
class BodyReader {
  readonly events: EventSourceMessage[] = [];
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #parser = createParser({ onEvent: (event) => this.events.push(event) });

  constructor(response: Response) {
    this.#reader = response.body!.getReader();
  }

  /** Reads until `done` holds; false when the body ended first. */
  async until(done: (events: EventSourceMessage[]) => boolean): Promise<boolean> {
    while (!done(this.events)) {
      const { value, done: ended } = await this.#reader.read();
      if (ended) return false;
      this.#parser.feed(this.#decoder.decode(value, { stream: true }));
    }
    return true;
  }

  data(): string[] {
    return this.events.filter((event) => event.event === undefined).map((event) => event.data);
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

const caughtUp = (events: EventSourceMessage[]) => events.some((event) => event.event === 'caught-up');

function request(init: RequestInit & { path?: string } = {}) {
  const controller = new AbortController();
  const { path = '/stream', ...rest } = init;
  return {
    controller,
    request: new Request(`http://app.test${path}`, { signal: controller.signal, ...rest }),
  };
}

describe('createFetchHandler', () => {
  it('replays after Last-Event-ID, then streams live, and resumes from the ids it sent', async () => {
    const hub = hubOver();
    const handler = createFetchHandler(hub, { stream: 'news', initial: 'earliest', heartbeatMs: 0 });
    await hub.publishBatch('news', [{ data: 'a' }, { data: 'b' }, { data: 'c' }]);

    const first = request();
    const response = await handler(first.request);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = new BodyReader(response);
    expect(await body.until(caughtUp)).toBe(true);
    expect(body.data()).toEqual(['a', 'b', 'c']);
    const resumeFrom = body.events.find((event) => event.data === 'b')!.id!;
    await body.cancel();
    await until(() => hub.stats().connections === 0, 2_000, 'the cancelled body to free its connection');

    const second = request({ headers: { 'Last-Event-ID': resumeFrom } });
    const resumed = new BodyReader(await handler(second.request));
    expect(await resumed.until(caughtUp)).toBe(true);
    expect(resumed.data()).toEqual(['c']);
    await hub.publish('news', { data: 'd' });
    expect(await resumed.until((events) => events.some((event) => event.data === 'd'))).toBe(true);
    expect(resumed.data()).toEqual(['c', 'd']);
    second.controller.abort();
    await until(() => hub.stats().connections === 0, 2_000, 'the aborted request to free its connection');
  });

  it('answers plain questions with plain responses', async () => {
    const hub = hubOver();
    const handler = createFetchHandler(hub, {
      stream: (req) => new URL(req.url).searchParams.get('s') ?? 'news',
      cors: { origin: 'https://app.example' },
    });
    const post = await handler(request({ method: 'POST' }).request);
    expect(post.status).toBe(405);
    expect(await post.json()).toEqual({ error: 'Use GET to open an event stream' });
    const preflight = await handler(
      request({
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Headers': 'last-event-id' },
      }).request,
    );
    expect(preflight.status).toBe(204);
    expect(preflight.body).toBeNull();
    const badName = await handler(request({ path: `/stream?s=${encodeURIComponent('bad\nname')}` }).request);
    expect(badName.status).toBe(400);
    expect(hub.stats().connections).toBe(0);
  });

  it('a throwing authorize gets its request a 500 and leaves every other stream alone', async () => {
    const hub = hubOver();
    const errors: string[] = [];
    const handler = createFetchHandler(hub, {
      stream: 'news',
      heartbeatMs: 0,
      authorize: (req) => {
        if (req.headers.get('x-user') === 'boom') throw new Error('auth backend down');
        return true;
      },
    });
    const ok = new BodyReader(await handler(request().request));
    const reading = ok.until((events) => events.some((event) => event.data === 'after'));
    const refused = await handler(request({ headers: { 'x-user': 'boom' } }).request);
    errors.push(String(refused.status));
    await hub.publish('news', { data: 'after' });
    expect(await reading).toBe(true);
    expect(errors).toEqual(['500']);
    expect(ok.data()).toEqual(['after']);
  });
});
