import { describe, expect, it } from 'vitest';
import { makePayload } from '../harness/payload.ts';
import { FrameScanner } from './frame-scanner.ts';

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n';

/** `frames` as an HTTP/1.1 chunked body, one chunk per frame, the way Node writes each `res.write`. */
function chunked(frames: readonly string[]): string {
  return frames.map((frame) => `${Buffer.byteLength(frame).toString(16)}\r\n${frame}\r\n`).join('');
}

function feed(scanner: FrameScanner, text: string, cuts: readonly number[], latencies?: number[]): void {
  const bytes = Buffer.from(text, 'latin1');
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.push(bytes.subarray(from, cut), 1_000_000, latencies);
    from = cut;
  }
}

describe('FrameScanner', () => {
  const frames = [
    'retry: 3000\n\n',
    'id: e.1\ndata: a\n\n',
    'id: e.2\ndata: b\ndata: c\n\n',
    ':\n\n',
    'event: caught-up\ndata: {}\n\n',
  ];
  const response = HEAD + chunked(frames);

  it('reads the status and counts every frame of a chunked body in one piece', () => {
    const scanner = new FrameScanner();
    feed(scanner, response, []);
    expect(scanner.status).toBe(200);
    expect(scanner.frames).toBe(frames.length);
  });

  it('counts the same frames however the bytes are split, one cut at a time', () => {
    for (let cut = 1; cut < response.length; cut += 1) {
      const scanner = new FrameScanner();
      feed(scanner, response, [cut]);
      expect({ cut, frames: scanner.frames, status: scanner.status }).toEqual({
        cut,
        frames: frames.length,
        status: 200,
      });
    }
  });

  it('counts the same frames when every byte arrives alone', () => {
    const scanner = new FrameScanner();
    feed(
      scanner,
      response,
      Array.from({ length: response.length - 1 }, (_, index) => index + 1),
    );
    expect(scanner.frames).toBe(frames.length);
  });

  it('counts frames that arrive without chunked encoding, and forgets them on reset', () => {
    const scanner = new FrameScanner();
    feed(scanner, `HTTP/1.1 200 OK\r\n\r\n${frames.join('')}`, [30, 31, 60]);
    expect(scanner.frames).toBe(frames.length);
    scanner.reset();
    feed(scanner, 'data: x\n\n', [8]);
    expect(scanner.frames).toBe(1);
  });

  it('reports a refused response by status and counts no frames in its body', () => {
    const scanner = new FrameScanner();
    feed(scanner, 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy', []);
    expect(scanner.status).toBe(503);
    expect(scanner.frames).toBe(0);
  });

  it('samples the publish time of each payload when asked, across any split', () => {
    const payloads = [makePayload(64, 999_990), makePayload(64, 999_980.5)];
    const body = HEAD + chunked(payloads.map((data, index) => `id: e.${index}\ndata: ${data}\n\n`));
    for (let cut = 1; cut < body.length; cut += 7) {
      const latencies: number[] = [];
      const scanner = new FrameScanner({ sampleLatency: true });
      feed(scanner, body, [cut], latencies);
      expect({ cut, latencies }).toEqual({ cut, latencies: [10, 19.5] });
    }
  });

  it('samples nothing unless asked', () => {
    const latencies: number[] = [];
    const scanner = new FrameScanner();
    feed(scanner, `${HEAD}${chunked([`data: ${makePayload(64, 1)}\n\n`])}`, [], latencies);
    expect(latencies).toEqual([]);
    expect(scanner.frames).toBe(1);
  });
});
