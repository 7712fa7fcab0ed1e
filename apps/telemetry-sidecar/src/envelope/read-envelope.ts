import {
  contentCodings,
  decodeContentEncoding,
  HttpError,
  mediaType,
  readBody,
} from '@resumable-sse/demo-support';
import { ENVELOPE_CONTENT_TYPE, type IngestLimits } from './ingest-options.ts';
import { type JsonEnvelope, parseSentryEnvelope } from './parse-envelope.ts';

/**
 * Turns a `POST /stream` request into a parsed envelope, or throws an `HttpError`:
 * 415 for another content type or an unknown `Content-Encoding`, 413 past either size limit,
 * 400 for anything that is not a Sentry envelope. Checks run cheapest first, and nothing is
 * buffered past the limits.
 */
export async function readEnvelope(request: Request, limits: IngestLimits): Promise<JsonEnvelope> {
  const contentType = mediaType(request.headers.get('content-type'));
  if (contentType !== ENVELOPE_CONTENT_TYPE) {
    throw new HttpError(
      415,
      `Content-Type must be ${ENVELOPE_CONTENT_TYPE}${contentType ? `, not ${contentType}` : ''}.`,
    );
  }
  const encoding = request.headers.get('content-encoding');
  contentCodings(encoding); // an unknown coding is refused before the body is read
  const body = await readBody(request.body, {
    maxBytes: limits.maxBodyBytes,
    contentLength: request.headers.get('content-length'),
  });
  const decoded = await decodeContentEncoding(body, encoding, { maxBytes: limits.maxEnvelopeBytes });
  return parseSentryEnvelope(decoded);
}
