import type { AppendInput } from '@resumable-sse/core';
import { isJsonStream, jsonMessages } from './body.ts';
import { type Context, metadataHeaders, streamKey } from './context.ts';
import { badRequest, DurableStreamsError } from './errors.ts';
import { streamStatus } from './lifecycle.ts';
import {
  closeRecord,
  dataRecord,
  type ForkOrigin,
  metaRecord,
  payloadBytes,
  refRecord,
  type StreamMeta,
  textRecord,
} from './log-records.ts';
import { parseOffset } from './offsets.ts';
import { acceptedTags, originOf, readPositions, tailPosition } from './positions.ts';
import type { HeaderReader, ProtocolRequest } from './protocol-request.ts';
import type { DataRecord } from './read-range.ts';
import {
  checkedContentType,
  closeFlag,
  DEFAULT_CONTENT_TYPE,
  decimalHeader,
  expiryHeaders,
  mediaType,
} from './request-headers.ts';
import { baseHeaders } from './response-headers.ts';
import type { StreamState } from './stream-state.ts';

interface ForkRequest {
  readonly from: string;
  readonly offset: string | undefined;
  readonly subOffset: number;
}

function forkRequest(headers: HeaderReader): ForkRequest | undefined {
  const from = headers.get('stream-forked-from');
  const offset = headers.get('stream-fork-offset') ?? undefined;
  const subOffset = decimalHeader('Stream-Fork-Sub-Offset', headers.get('stream-fork-sub-offset'));
  if (from === null) {
    if (offset !== undefined || subOffset !== undefined) {
      throw badRequest('Stream-Fork-Offset and Stream-Fork-Sub-Offset need Stream-Forked-From.');
    }
    return undefined;
  }
  let path = from.trim();
  if (/^https?:\/\//i.test(path)) path = new URL(path).pathname;
  if (!path.startsWith('/'))
    throw badRequest("Stream-Forked-From must be the source stream's URL path, like /v1/stream/source.");
  return { from: path, offset, subOffset: subOffset ?? 0 };
}

function sameConfig(existing: StreamMeta, wanted: StreamMeta): boolean {
  return (
    mediaType(existing.contentType) === mediaType(wanted.contentType) &&
    existing.ttlSeconds === wanted.ttlSeconds &&
    (existing.expiresAt === undefined) === (wanted.expiresAt === undefined) &&
    (existing.expiresAt === undefined || Date.parse(existing.expiresAt) === Date.parse(wanted.expiresAt!)) &&
    (existing.createdClosed === true) === (wanted.createdClosed === true) &&
    existing.fork?.from === wanted.fork?.from &&
    (existing.fork?.offset ?? '') === (wanted.fork?.offset ?? '') &&
    (existing.fork?.subOffset ?? 0) === (wanted.fork?.subOffset ?? 0)
  );
}

/** The first `count` bytes (or JSON messages) of one record, for a fork inside an append. */
function partialRecord(record: DataRecord, count: number, json: boolean): AppendInput {
  if (json) {
    const messages = JSON.parse(`[${record.payload}]`) as unknown[];
    if (count > messages.length) {
      throw badRequest(
        `Stream-Fork-Sub-Offset ${count} is past the ${messages.length} messages of that append.`,
      );
    }
    return textRecord(
      messages
        .slice(0, count)
        .map((message) => JSON.stringify(message))
        .join(','),
      undefined,
    );
  }
  const bytes = payloadBytes(record);
  if (count > bytes.length)
    throw badRequest(`Stream-Fork-Sub-Offset ${count} is past the ${bytes.length} bytes of that append.`);
  return dataRecord(bytes.subarray(0, count), undefined);
}

interface ForkPlan {
  readonly origin: ForkOrigin;
  /** The part of the append after the fork point that a sub-offset takes, stored as the fork's own. */
  readonly prefix: AppendInput | undefined;
}

async function planFork(
  context: Context,
  fork: ForkRequest,
  source: StreamState,
  json: boolean,
): Promise<ForkPlan> {
  let point = tailPosition(source);
  if (fork.offset !== undefined) {
    let parsed: ReturnType<typeof parseOffset>;
    try {
      parsed = parseOffset(fork.offset, acceptedTags(source));
    } catch {
      throw badRequest('Stream-Fork-Offset is not an offset of the source stream.');
    }
    if (parsed.kind === 'start') point = originOf(source);
    else if (parsed.kind === 'position') {
      if (parsed.after > tailPosition(source) || parsed.after < originOf(source)) {
        throw badRequest('Stream-Fork-Offset is outside the source stream.');
      }
      point = parsed.after;
    }
  } else if (fork.subOffset > 0) {
    throw badRequest('Stream-Fork-Sub-Offset needs Stream-Fork-Offset: the append it cuts into.');
  }
  let prefix: AppendInput | undefined;
  if (fork.subOffset > 0) {
    const next = await readPositions(context, source, point, tailPosition(source), 1);
    const record = next.records[0];
    if (record === undefined)
      throw badRequest('Stream-Fork-Sub-Offset points past the end of the source stream.');
    prefix = partialRecord(record, fork.subOffset, json);
  }
  const origin: ForkOrigin = {
    from: fork.from,
    key: source.key,
    epoch: source.epoch,
    base: source.base,
    point,
    origin: originOf(source),
    tags: acceptedTags(source),
    offset: fork.offset ?? '',
    subOffset: fork.subOffset,
  };
  return { origin, prefix };
}

export async function handlePut(context: Context, request: ProtocolRequest, key: string): Promise<Response> {
  const { registry, options } = context;
  const givenType = checkedContentType(request.headers.get('content-type'));
  const expiry = expiryHeaders(request.headers);
  const closed = closeFlag(request.headers);
  const fork = forkRequest(request.headers);
  const body = await request.readBody(options.maxBodyBytes);

  return registry.exclusive(key, async () => {
    const now = options.now();
    let source: StreamState | undefined;
    if (fork !== undefined) {
      source = await registry.current(streamKey(fork.from));
      const status = await streamStatus(registry, source, now, streamKey);
      if (status === 'gone')
        throw new DurableStreamsError('NOT_FOUND', `No stream at ${fork.from} to fork from.`);
      if (status === 'retained')
        throw new DurableStreamsError(
          'CONFLICT',
          `${fork.from} was deleted or expired; it cannot be forked.`,
        );
      if (givenType !== undefined && mediaType(givenType) !== mediaType(source.meta!.contentType)) {
        throw new DurableStreamsError(
          'CONFLICT',
          "A fork keeps its source's content type; omit Content-Type or send the source's.",
        );
      }
    }
    const contentType = givenType ?? source?.meta?.contentType ?? DEFAULT_CONTENT_TYPE;
    const json = isJsonStream(contentType);
    const plan =
      fork !== undefined && source !== undefined ? await planFork(context, fork, source, json) : undefined;
    // A fork without its own expiry keeps its source's.
    const inheritExpiry =
      source !== undefined && expiry.ttlSeconds === undefined && expiry.expiresAt === undefined;
    const meta: StreamMeta = {
      contentType,
      ttlSeconds: inheritExpiry ? source?.meta?.ttlSeconds : expiry.ttlSeconds,
      expiresAt: inheritExpiry ? source?.meta?.expiresAt : expiry.expiresAt,
      createdAt: now,
      createdClosed: closed || undefined,
      fork: plan?.origin,
    };
    const records: AppendInput[] = [metaRecord(meta)];
    if (plan?.prefix !== undefined) records.push(plan.prefix);
    if (body.byteLength > 0) {
      if (json) {
        const messages = jsonMessages(body);
        if (messages !== undefined) records.push(textRecord(messages.text, undefined));
      } else {
        records.push(dataRecord(body, undefined));
      }
    }

    const existing = await registry.current(key);
    const status = await streamStatus(registry, existing, now, streamKey);
    if (status === 'retained') {
      throw new DurableStreamsError(
        'CONFLICT',
        'A deleted stream at this URL is still read by its forks; use another URL.',
      );
    }
    if (status === 'live') {
      if (!sameConfig(existing.meta!, meta)) {
        throw new DurableStreamsError('CONFLICT', 'A stream with another configuration exists at this URL.');
      }
      const headers = baseHeaders();
      metadataHeaders(existing, headers);
      return new Response(null, { status: 200, headers });
    }

    if (closed) records.push(closeRecord(undefined));
    const results = await context.store.append(key, records);
    // The source learns of the fork only once the fork exists, so a refused fork holds nothing.
    if (source !== undefined) await context.store.append(source.key, [refRecord(request.url.pathname)]);
    const state = registry.applyAppended(existing, records, results) ? existing : await registry.current(key);
    registry.touch(state);
    const headers = baseHeaders();
    metadataHeaders(state, headers);
    headers.set('Location', request.url.href);
    return new Response(null, { status: 201, headers });
  });
}
