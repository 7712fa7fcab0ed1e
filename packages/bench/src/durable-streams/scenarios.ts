/** The Durable Streams load: plain `fetch` from the orchestrator, the same for every server. */

export interface DurableSizes {
  readonly appendWriters: number;
  readonly appendsPerWriter: number;
  readonly appendBytes: number;
  readonly catchupChunks: number;
  readonly catchupChunkBytes: number;
  readonly catchupReads: number;
  readonly fanoutReaders: number;
  readonly fanoutEvents: number;
  readonly smallStreams: number;
}

export const SMALL: DurableSizes = {
  appendWriters: 8,
  appendsPerWriter: 250,
  appendBytes: 256,
  catchupChunks: 1_000,
  catchupChunkBytes: 8_192,
  catchupReads: 5,
  fanoutReaders: 100,
  fanoutEvents: 100,
  smallStreams: 10_000,
};

export const FULL: DurableSizes = {
  ...SMALL,
  appendsPerWriter: 1_000,
  catchupReads: 10,
  fanoutReaders: 1_000,
  fanoutEvents: 200,
  smallStreams: 100_000,
};

const TEXT = { 'content-type': 'text/plain' };

async function put(url: string, body?: string): Promise<void> {
  const response = await fetch(url, { method: 'PUT', headers: TEXT, body: body ?? null });
  if (response.status !== 201) throw new Error(`PUT ${url}: ${response.status}`);
  await response.arrayBuffer();
}

async function post(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: TEXT, body });
  if (response.status !== 204 && response.status !== 200) throw new Error(`POST ${url}: ${response.status}`);
  await response.arrayBuffer();
}

/** Appends per second: each writer awaits each append on its own stream. */
export async function appendThroughput(base: string, sizes: DurableSizes, run: string): Promise<number> {
  const payload = 'a'.repeat(sizes.appendBytes);
  const urls = Array.from(
    { length: sizes.appendWriters },
    (_, index) => `${base}/v1/stream/append-${run}-${index}`,
  );
  await Promise.all(urls.map((url) => put(url)));
  const started = performance.now();
  await Promise.all(
    urls.map(async (url) => {
      for (let i = 0; i < sizes.appendsPerWriter; i += 1) await post(url, payload);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return (sizes.appendWriters * sizes.appendsPerWriter) / seconds;
}

/** MB/s of a reader paging from -1 to the tail, following Stream-Next-Offset. */
export async function catchupThroughput(base: string, sizes: DurableSizes, run: string): Promise<number> {
  const url = `${base}/v1/stream/catchup-${run}`;
  await put(url);
  const chunk = 'c'.repeat(sizes.catchupChunkBytes);
  for (let i = 0; i < sizes.catchupChunks; i += 1) await post(url, chunk);
  const expected = sizes.catchupChunks * sizes.catchupChunkBytes;
  let bytes = 0;
  const started = performance.now();
  for (let read = 0; read < sizes.catchupReads; read += 1) {
    let offset = '-1';
    let got = 0;
    for (;;) {
      const response = await fetch(`${url}?offset=${encodeURIComponent(offset)}`);
      got += (await response.arrayBuffer()).byteLength;
      offset = response.headers.get('stream-next-offset') ?? offset;
      if (response.headers.get('stream-up-to-date') === 'true') break;
    }
    if (got !== expected) throw new Error(`catch-up read ${got} bytes, expected ${expected}`);
    bytes += got;
  }
  return bytes / 1e6 / ((performance.now() - started) / 1000);
}

/** Deliveries per second: readers on SSE from `now`, then events appended one by one. */
export async function sseFanout(base: string, sizes: DurableSizes, run: string): Promise<number> {
  const url = `${base}/v1/stream/fanout-${run}`;
  await put(url);
  const payload = `${'f'.repeat(63)}\n`;
  const controller = new AbortController();
  let ready = 0;
  let markReady: () => void = () => undefined;
  const allReady = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const readers = Array.from({ length: sizes.fanoutReaders }, async () => {
    const response = await fetch(`${url}?offset=now&live=sse`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let delivered = 0;
    let announced = false;
    let pending = '';
    while (delivered < sizes.fanoutEvents) {
      const { done, value } = await reader.read();
      if (done) throw new Error('SSE ended early');
      pending += decoder.decode(value, { stream: true });
      const end = pending.lastIndexOf('\n\n');
      if (end === -1) continue;
      for (const frame of pending.slice(0, end).split('\n\n')) {
        if (frame.includes('event: control') || frame.includes('event:control')) {
          if (!announced) {
            announced = true;
            ready += 1;
            if (ready === sizes.fanoutReaders) markReady();
          }
          continue;
        }
        // Each appended payload is one "fff…" line inside a data event.
        for (const line of frame.split('\n')) if (/^data: ?f/.test(line)) delivered += 1;
      }
      pending = pending.slice(end + 2);
    }
    reader.cancel().catch(() => undefined);
  });
  await allReady;
  const started = performance.now();
  for (let i = 0; i < sizes.fanoutEvents; i += 1) await post(url, payload);
  await Promise.all(readers);
  const seconds = (performance.now() - started) / 1000;
  controller.abort();
  return (sizes.fanoutReaders * sizes.fanoutEvents) / seconds;
}

/** Creates many small streams, `concurrency` at a time, each with one 64-byte body. */
export async function manyStreams(
  base: string,
  sizes: DurableSizes,
  run: string,
  concurrency = 32,
): Promise<void> {
  let next = 0;
  const body = 's'.repeat(64);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < sizes.smallStreams) {
        const index = next;
        next += 1;
        await put(`${base}/v1/stream/small-${run}-${index}`, body);
      }
    }),
  );
}
