import { DurableStreamsError } from './errors.ts';

export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * What the protocol reads from a request. A Web `Request` is one (`fromWebRequest`); the Node
 * entry point builds one straight from `IncomingMessage`, without a Web stream in between.
 */
export interface ProtocolRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: HeaderReader;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  /**
   * The whole body, refusing more than `limit` bytes before buffering them.
   * @throws {DurableStreamsError} `PAYLOAD_TOO_LARGE` (413).
   */
  readBody(limit: number): Promise<Uint8Array>;
}

export function payloadTooLarge(limit: number): DurableStreamsError {
  return new DurableStreamsError(
    'PAYLOAD_TOO_LARGE',
    `Request body is over ${limit} bytes; split it into several appends.`,
  );
}

/** Reads chunks until the end, stopping (and cancelling the source) past `limit` bytes. */
export async function collectBody(
  declaredLength: string | null,
  chunks: AsyncIterable<Uint8Array>,
  limit: number,
  cancel: () => void,
): Promise<Uint8Array> {
  if (declaredLength !== null && Number(declaredLength) > limit) {
    cancel();
    throw payloadTooLarge(limit);
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > limit) {
      cancel();
      throw payloadTooLarge(limit);
    }
    parts.push(chunk);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}

export function fromWebRequest(request: Request): ProtocolRequest {
  return {
    method: request.method,
    url: new URL(request.url),
    headers: request.headers,
    signal: request.signal,
    async readBody(limit) {
      const body = request.body;
      if (body === null) return new Uint8Array(0);
      const reader = body.getReader();
      const chunks = {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        },
      };
      return collectBody(request.headers.get('content-length'), chunks, limit, () => {
        reader.cancel().catch(() => undefined);
      });
    },
  };
}
