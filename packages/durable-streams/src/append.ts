import type { AppendInput } from '@resumable-sse/core';
import { isJsonStream, jsonMessages } from './body.ts';
import { type Context, liveState, tailOffset } from './context.ts';
import { badRequest, DurableStreamsError } from './errors.ts';
import { closeRecord, dataRecord, textRecord, type WriterTag } from './log-records.ts';
import type { ProtocolRequest } from './protocol-request.ts';
import {
  checkedContentType,
  closeFlag,
  mediaType,
  type ProducerHeaders,
  producerHeaders,
} from './request-headers.ts';
import { baseHeaders } from './response-headers.ts';
import type { StreamState } from './stream-state.ts';

type ProducerVerdict = 'accept' | 'duplicate';

/** The protocol's producer rules: fence older epochs, new epochs start at 0, no gaps. */
function judgeProducer(state: StreamState, producer: ProducerHeaders): ProducerVerdict {
  const known = state.producers.get(producer.id);
  if (known === undefined || producer.epoch > known.epoch) {
    if (known !== undefined && producer.seq !== 0) {
      throw badRequest(`A new Producer-Epoch starts at Producer-Seq 0, got ${producer.seq}.`);
    }
    if (known === undefined && producer.seq !== 0) {
      throw new DurableStreamsError(
        'PRODUCER_SEQ_GAP',
        `This producer is new here: start at Producer-Seq 0, got ${producer.seq}.`,
        {
          'Producer-Expected-Seq': '0',
          'Producer-Received-Seq': String(producer.seq),
        },
      );
    }
    return 'accept';
  }
  if (producer.epoch < known.epoch) {
    throw new DurableStreamsError(
      'PRODUCER_FENCED',
      `Producer-Epoch ${producer.epoch} is stale; the current epoch is ${known.epoch}.`,
      {
        'Producer-Epoch': String(known.epoch),
      },
    );
  }
  if (producer.seq <= known.seq) return 'duplicate';
  if (producer.seq === known.seq + 1) return 'accept';
  throw new DurableStreamsError(
    'PRODUCER_SEQ_GAP',
    `Producer-Seq ${producer.seq} skips ahead; send ${known.seq + 1} next.`,
    {
      'Producer-Expected-Seq': String(known.seq + 1),
      'Producer-Received-Seq': String(producer.seq),
    },
  );
}

function closedError(state: StreamState): DurableStreamsError {
  return new DurableStreamsError('STREAM_CLOSED', 'This stream is closed; nothing more can be appended.', {
    'Stream-Closed': 'true',
    'Stream-Next-Offset': tailOffset(state),
  });
}

function producerResponse(
  status: number,
  state: StreamState,
  producer: ProducerHeaders | undefined,
  seq?: number,
): Response {
  const headers = baseHeaders();
  headers.set('Stream-Next-Offset', tailOffset(state));
  if (state.closed) headers.set('Stream-Closed', 'true');
  if (producer !== undefined) {
    headers.set('Producer-Epoch', String(producer.epoch));
    headers.set('Producer-Seq', String(seq ?? producer.seq));
  }
  return new Response(null, { status, headers });
}

export async function handlePost(context: Context, request: ProtocolRequest, key: string): Promise<Response> {
  const { registry, options } = context;
  const contentType = checkedContentType(request.headers.get('content-type'));
  const close = closeFlag(request.headers);
  const producer = producerHeaders(request.headers);
  const streamSeq = request.headers.get('stream-seq') ?? undefined;
  const body = await request.readBody(options.maxBodyBytes);
  if (body.byteLength === 0 && !close) {
    throw badRequest('An append needs a body; to close the stream send Stream-Closed: true.');
  }
  if (body.byteLength > 0 && contentType === undefined) {
    throw badRequest("An append needs a Content-Type matching the stream's.");
  }

  return registry.exclusive(key, async () => {
    const state = await liveState(context, key);
    const meta = state.meta!;
    registry.touch(state);

    if (producer !== undefined) {
      // Fencing is answered before closure: a zombie learns it is fenced, not that the stream closed.
      const known = state.producers.get(producer.id);
      if (known !== undefined && producer.epoch < known.epoch) judgeProducer(state, producer);
    }
    if (state.closed) {
      const by = state.closedBy;
      if (
        producer !== undefined &&
        by !== undefined &&
        by.p === producer.id &&
        by.e === producer.epoch &&
        by.n === producer.seq
      ) {
        return producerResponse(204, state, producer);
      }
      if (body.byteLength === 0 && producer === undefined) return producerResponse(204, state, undefined);
      throw closedError(state);
    }

    if (body.byteLength > 0 && mediaType(contentType!) !== mediaType(meta.contentType)) {
      throw new DurableStreamsError(
        'CONFLICT',
        `This stream holds ${meta.contentType}; append with that Content-Type.`,
      );
    }
    let verdict: ProducerVerdict = 'accept';
    if (producer !== undefined) verdict = judgeProducer(state, producer);
    if (verdict === 'duplicate') {
      return producerResponse(204, state, producer, state.producers.get(producer!.id)!.seq);
    }
    if (streamSeq !== undefined && state.lastStreamSeq !== undefined && streamSeq <= state.lastStreamSeq) {
      throw new DurableStreamsError(
        'CONFLICT',
        `Stream-Seq ${JSON.stringify(streamSeq)} is not after the last one (${JSON.stringify(state.lastStreamSeq)}).`,
      );
    }

    const writer: WriterTag | undefined =
      producer === undefined && streamSeq === undefined
        ? undefined
        : { p: producer?.id, e: producer?.epoch, n: producer?.seq, s: streamSeq };
    const records: AppendInput[] = [];
    if (body.byteLength > 0) {
      if (isJsonStream(meta.contentType)) {
        const messages = jsonMessages(body);
        if (messages === undefined)
          throw badRequest('An empty JSON array appends nothing; send at least one message.');
        records.push(textRecord(messages.text, writer));
      } else {
        records.push(dataRecord(body, writer));
      }
    }
    if (close) records.push(closeRecord(writer));
    if (producer !== undefined) {
      // The store drops a second append under the same key, so two processes racing on one
      // (producer, epoch, seq) store it once.
      records[0] = {
        ...records[0]!,
        idempotencyKey: `ds:${state.base}:${producer.id}:${producer.epoch}:${producer.seq}`,
      };
    }
    const results = await context.store.append(key, records);
    const after = registry.applyAppended(state, records, results) ? state : await registry.current(key);
    if (results[0]?.duplicate === true) return producerResponse(204, after, producer);
    const status = producer !== undefined && body.byteLength > 0 ? 200 : 204;
    return producerResponse(status, after, producer);
  });
}
