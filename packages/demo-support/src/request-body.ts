import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { HttpError } from './http-error.ts';

/**
 * The media type of a `Content-Type` header, lower-cased, without parameters:
 * `Application/JSON; charset=utf-8` → `application/json`. Empty string when absent.
 */
export function mediaType(header: string | null | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

export interface ReadBodyOptions {
  /** Largest body accepted, in bytes as they arrive (before any decompression). */
  readonly maxBytes: number;
  /** The `Content-Length` header, when there is one: a body declared too large is refused unread. */
  readonly contentLength?: string | null | undefined;
}

/**
 * Reads a request body into memory, refusing with 413 as soon as it passes `maxBytes` — it
 * never buffers more than that, whatever `Content-Length` claims. Works with a Web
 * `ReadableStream` and a Node `IncomingMessage` alike (both are async iterables of bytes).
 */
export async function readBody(
  source: AsyncIterable<Uint8Array> | null | undefined,
  options: ReadBodyOptions,
): Promise<Uint8Array> {
  const declared = options.contentLength == null ? Number.NaN : Number(options.contentLength);
  if (declared > options.maxBytes) throw bodyTooLarge(options.maxBytes);
  if (!source) return new Uint8Array(0);

  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > options.maxBytes) throw bodyTooLarge(options.maxBytes);
    chunks.push(chunk);
  }
  return concat(chunks, total);
}

function bodyTooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `Request body is larger than ${maxBytes} bytes.`);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export const SUPPORTED_CONTENT_ENCODINGS = ['gzip', 'deflate', 'br'] as const;

export interface DecodeOptions {
  /** Largest decoded size accepted, in bytes. Decoding stops there: a small "zip bomb" cannot grow past it. */
  readonly maxBytes: number;
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotliDecompress = promisify(zlib.brotliDecompress);

/**
 * Undoes a `Content-Encoding` (`gzip`, `x-gzip`, `deflate`, `br`, `identity`, or a list of
 * them, applied right to left). Unknown codings → 415; output past `maxBytes` → 413; corrupt
 * data → 400. All as `HttpError`.
 */
export async function decodeContentEncoding(
  body: Uint8Array,
  header: string | null | undefined,
  options: DecodeOptions,
): Promise<Uint8Array> {
  let decoded = body;
  for (const coding of contentCodings(header).reverse()) {
    decoded = await decodeOne(decoded, coding, options.maxBytes);
  }
  if (decoded.byteLength > options.maxBytes) throw decodedTooLarge(options.maxBytes);
  return decoded;
}

/**
 * The codings a `Content-Encoding` header lists, in the order they were applied, without
 * `identity`. Throws a 415 `HttpError` for one this module cannot undo — call it before reading
 * the body to refuse early.
 */
export function contentCodings(header: string | null | undefined): string[] {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  for (const coding of codings) {
    if (!isSupported(coding)) {
      throw new HttpError(
        415,
        `Content-Encoding "${coding}" is not supported: send the body as gzip, deflate, br or uncompressed.`,
      );
    }
  }
  return codings;
}

function isSupported(coding: string): boolean {
  return coding === 'x-gzip' || (SUPPORTED_CONTENT_ENCODINGS as readonly string[]).includes(coding);
}

async function decodeOne(body: Uint8Array, coding: string, maxBytes: number): Promise<Uint8Array> {
  const limits = { maxOutputLength: Math.max(1, maxBytes) };
  try {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return await gunzip(body, limits);
      case 'br':
        return await brotliDecompress(body, limits);
      default:
        // HTTP "deflate" means zlib-wrapped, but some clients send raw deflate: accept both.
        try {
          return await inflate(body, limits);
        } catch (error) {
          if (isTooLarge(error)) throw error;
          return await inflateRaw(body, limits);
        }
    }
  } catch (error) {
    if (isTooLarge(error)) throw decodedTooLarge(maxBytes, error);
    throw new HttpError(400, `Request body is not valid ${coding} data (Content-Encoding: ${coding}).`, {
      cause: error,
    });
  }
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError || (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

function decodedTooLarge(maxBytes: number, cause?: unknown): HttpError {
  return new HttpError(413, `Decompressed request body is larger than ${maxBytes} bytes.`, { cause });
}
