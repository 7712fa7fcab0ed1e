import { describe, expect, it } from 'vitest';
import { webStreamSink } from './web-stream-sink.ts';

const chunk = (size: number) => new Uint8Array(size).fill(0x61);

describe('webStreamSink', () => {
  it('end() with chunks unread keeps counting them, and closes the body once the last is read', async () => {
    const sink = webStreamSink(() => {});
    sink.write(chunk(10_000));
    sink.write(chunk(10_000));
    sink.end();
    expect(sink.closed).toBe(true);
    expect(sink.write(chunk(1))).toBe(false);
    expect(sink.bufferedBytes).toBe(20_000);

    const reader = sink.body.getReader();
    expect((await reader.read()).value?.byteLength).toBe(10_000);
    expect(sink.bufferedBytes).toBe(10_000);
    expect((await reader.read()).value?.byteLength).toBe(10_000);
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    expect(sink.bufferedBytes).toBe(0);
  });

  it('end() with nothing unread closes the body at once', async () => {
    const sink = webStreamSink(() => {});
    sink.end();
    expect(sink.bufferedBytes).toBe(0);
    expect(await sink.body.getReader().read()).toEqual({ done: true, value: undefined });
  });

  it('abort() after end() drops what is still unread: the body fails', async () => {
    const sink = webStreamSink(() => {});
    sink.write(chunk(10_000));
    sink.end();
    sink.abort!();
    expect(sink.bufferedBytes).toBe(0);
    await expect(sink.body.getReader().read()).rejects.toThrow(/stopped reading/);
  });
});
