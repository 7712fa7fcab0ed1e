import { Readable } from 'node:stream';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { HttpError } from './http-error.ts';
import { decodeContentEncoding, mediaType, readBody } from './request-body.ts';

const text = new TextEncoder();

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('mediaType', () => {
  it('lower-cases and drops parameters', () => {
    expect(mediaType('Application/X-Sentry-Envelope; charset=UTF-8')).toBe('application/x-sentry-envelope');
    expect(mediaType(undefined)).toBe('');
  });
});

describe('readBody', () => {
  it('joins the chunks of a stream', async () => {
    const body = await readBody(Readable.from([text.encode('ab'), text.encode('cd')]), { maxBytes: 4 });
    expect(new TextDecoder().decode(body)).toBe('abcd');
  });

  it('refuses a declared Content-Length over the limit without reading', async () => {
    let pulled = false;
    const source = (async function* () {
      pulled = true;
      yield text.encode('x');
    })();
    const error = await rejection(readBody(source, { maxBytes: 10, contentLength: '11' }));
    expect(error.status).toBe(413);
    expect(pulled).toBe(false);
  });

  it('stops reading once the body passes the limit, whatever Content-Length said', async () => {
    let chunksPulled = 0;
    const source = (async function* () {
      for (let i = 0; i < 1000; i++) {
        chunksPulled++;
        yield new Uint8Array(100);
      }
    })();
    const error = await rejection(readBody(source, { maxBytes: 250, contentLength: '10' }));
    expect(error.status).toBe(413);
    expect(chunksPulled).toBe(3);
  });
});

describe('decodeContentEncoding', () => {
  const payload = text.encode('hello '.repeat(100));

  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['br', brotliCompressSync],
  ] as const)('decodes %s', async (coding, compress) => {
    const decoded = await decodeContentEncoding(compress(payload), coding, { maxBytes: 10_000 });
    expect(Buffer.from(decoded).equals(Buffer.from(payload))).toBe(true);
  });

  it('passes identity and absent codings through', async () => {
    expect(await decodeContentEncoding(payload, undefined, { maxBytes: 10_000 })).toBe(payload);
    expect(await decodeContentEncoding(payload, 'identity', { maxBytes: 10_000 })).toBe(payload);
  });

  it('undoes a list of codings right to left', async () => {
    const twice = brotliCompressSync(gzipSync(payload));
    const decoded = await decodeContentEncoding(twice, 'gzip, br', { maxBytes: 10_000 });
    expect(Buffer.from(decoded).equals(Buffer.from(payload))).toBe(true);
  });

  it('refuses an unknown coding with 415', async () => {
    const error = await rejection(decodeContentEncoding(payload, 'zstd', { maxBytes: 10_000 }));
    expect(error.status).toBe(415);
    expect(error.message).toContain('"zstd"');
  });

  it('refuses corrupt data with 400', async () => {
    const error = await rejection(decodeContentEncoding(payload, 'gzip', { maxBytes: 10_000 }));
    expect(error.status).toBe(400);
  });

  it('refuses an identity body over the limit with 413', async () => {
    const error = await rejection(decodeContentEncoding(payload, undefined, { maxBytes: 10 }));
    expect(error.status).toBe(413);
  });

  it.each(['gzip', 'deflate', 'br'] as const)(
    'stops a %s bomb at the limit without inflating it',
    async (coding) => {
      // 64 MiB of zeros compress to a few KB; decoding must stop at 1 MiB.
      const zeros = new Uint8Array(64 * 1024 * 1024);
      const bomb =
        coding === 'gzip'
          ? gzipSync(zeros)
          : coding === 'br'
            ? brotliCompressSync(zeros)
            : deflateSync(zeros);
      expect(bomb.byteLength).toBeLessThan(200_000);
      const error = await rejection(decodeContentEncoding(bomb, coding, { maxBytes: 1024 * 1024 }));
      expect(error.status).toBe(413);
      // zlib itself stopped at the limit (maxOutputLength), rather than inflating 64 MiB first.
      expect((error.cause as { code?: string }).code).toBe('ERR_BUFFER_TOO_LARGE');
    },
  );
});
