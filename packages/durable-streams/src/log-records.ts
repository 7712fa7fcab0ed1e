import type { AppendInput, StoredEvent } from '@resumable-sse/core';

/**
 * How one Durable Stream lives in an `EventStore` log. Every record is one store event, so the
 * store's atomic batch append makes "data + close" and "metadata + initial body" all-or-nothing,
 * and the store's own offsets are the stream's positions.
 *
 * - `ds.meta`: a new incarnation of the stream begins (PUT); `data` is the JSON `StreamMeta`.
 * - `ds.d` / `ds.b`: one append's bytes, as UTF-8 text or as base64 when they are not text.
 * - `ds.c`: the stream was closed.
 * - `ds.x`: the stream was deleted.
 *
 * A data or close record written by an idempotent producer or with `Stream-Seq` carries that in
 * its event name after a space, as JSON (event names cannot hold line breaks; JSON escapes them).
 */
export interface StreamMeta {
  readonly contentType: string;
  readonly ttlSeconds?: number | undefined;
  readonly expiresAt?: string | undefined;
  readonly createdAt: number;
  readonly createdClosed?: boolean | undefined;
  readonly fork?: ForkOrigin | undefined;
}

/** Where a fork's inherited bytes come from: its source's positions up to `point`, read in place. */
export interface ForkOrigin {
  /** Source URL path and store key. */
  readonly from: string;
  readonly key: string;
  /** The source's store epoch and incarnation (`base`) when forked: inherited data is read there. */
  readonly epoch: string;
  readonly base: number;
  /** Position in the source after which the fork's own records continue. */
  readonly point: number;
  /** The first position of the chain's root: where a read from `-1` starts. */
  readonly origin: number;
  /** Epoch tags of the source and its ancestors, whose offsets the fork also accepts. */
  readonly tags: readonly string[];
  /** As requested, so a repeated PUT can be compared. */
  readonly offset: string;
  readonly subOffset: number;
}

export interface WriterTag {
  /** Producer-Id, -Epoch, -Seq. */
  readonly p?: string | undefined;
  readonly e?: number | undefined;
  readonly n?: number | undefined;
  /** Stream-Seq. */
  readonly s?: string | undefined;
}

export type LogRecord =
  | { readonly kind: 'meta'; readonly meta: StreamMeta }
  | {
      readonly kind: 'data';
      /** The stored text: the bytes as UTF-8, or their base64 when `base64`. */
      readonly payload: string;
      readonly base64: boolean;
      readonly writer: WriterTag | undefined;
    }
  | { readonly kind: 'close'; readonly writer: WriterTag | undefined }
  | { readonly kind: 'delete' }
  | { readonly kind: 'ref'; readonly path: string }
  | { readonly kind: 'foreign' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function withWriter(name: string, writer: WriterTag | undefined): string {
  return writer === undefined ? name : `${name} ${JSON.stringify(writer)}`;
}

export function metaRecord(meta: StreamMeta): AppendInput {
  return { event: 'ds.meta', data: JSON.stringify(meta) };
}

/** Text when the bytes are UTF-8 without NUL (stores keep text), base64 otherwise. */
export function dataRecord(bytes: Uint8Array, writer: WriterTag | undefined): AppendInput {
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text !== undefined && !text.includes('\0')) return { event: withWriter('ds.d', writer), data: text };
  return { event: withWriter('ds.b', writer), data: Buffer.from(bytes).toString('base64') };
}

/** A JSON stream's messages, already serialized and comma-joined. */
export function textRecord(text: string, writer: WriterTag | undefined): AppendInput {
  return { event: withWriter('ds.d', writer), data: text };
}

export function closeRecord(writer: WriterTag | undefined): AppendInput {
  return { event: withWriter('ds.c', writer), data: '' };
}

/** A fork now reads this stream's data: the source stays readable to it after a DELETE. */
export function refRecord(forkPath: string): AppendInput {
  return { event: 'ds.ref', data: forkPath };
}

export function deleteRecord(): AppendInput {
  return { event: 'ds.x', data: '' };
}

function parseWriter(name: string, space: number): WriterTag | undefined {
  if (space < 0) return undefined;
  try {
    return JSON.parse(name.slice(space + 1)) as WriterTag;
  } catch {
    return undefined;
  }
}

export function decodeRecord(event: StoredEvent): LogRecord {
  const name = event.event ?? '';
  const space = name.indexOf(' ');
  const kind = space < 0 ? name : name.slice(0, space);
  switch (kind) {
    case 'ds.d':
      return { kind: 'data', payload: event.data, base64: false, writer: parseWriter(name, space) };
    case 'ds.b':
      return { kind: 'data', payload: event.data, base64: true, writer: parseWriter(name, space) };
    case 'ds.c':
      return { kind: 'close', writer: parseWriter(name, space) };
    case 'ds.x':
      return { kind: 'delete' };
    case 'ds.ref':
      return { kind: 'ref', path: event.data };
    case 'ds.meta':
      try {
        return { kind: 'meta', meta: JSON.parse(event.data) as StreamMeta };
      } catch {
        return { kind: 'foreign' };
      }
    default:
      return { kind: 'foreign' };
  }
}

export function payloadBytes(record: {
  readonly payload: string;
  readonly base64: boolean;
}): Buffer<ArrayBuffer> {
  return Buffer.from(record.payload, record.base64 ? 'base64' : 'utf8');
}
