import type { IncomingMessage } from 'node:http';
import { contentCodings, decodeContentEncoding, readBody } from '@resumable-sse/demo-support';
import { contentModeOf } from './content-mode.ts';
import { type CloudEventJson, parseCloudEvents } from './parse-cloudevents.ts';

/**
 * The CloudEvents of a `POST /events` request, all validated, or an `HttpError`: 415 for a
 * request that carries no CloudEvent or an unknown `Content-Encoding` (refused before the body is
 * read), 413 for a body over `maxBodyBytes` (on the wire or decompressed), 400 for a bad event.
 */
export async function readCloudEvents(
  request: IncomingMessage,
  maxBodyBytes: number,
): Promise<CloudEventJson[]> {
  contentModeOf(request.headers);
  const encoding = request.headers['content-encoding'];
  contentCodings(encoding);
  const body = await readBody(request, {
    maxBytes: maxBodyBytes,
    contentLength: request.headers['content-length'],
  });
  const decoded = await decodeContentEncoding(body, encoding, { maxBytes: maxBodyBytes });
  return parseCloudEvents(request.headers, decoded);
}
