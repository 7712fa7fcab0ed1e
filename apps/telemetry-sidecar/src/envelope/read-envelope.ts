import {
  contentCodings,
  decodeContentEncoding,
  HttpError,
  mediaType,
  readBody,
} from '@resumable-sse/demo-support';
import { ENVELOPE_CONTENT_TYPE, type IngestLimits } from './ingest-options.ts';
import { parseSentryEnvelope, type RawEnvelope } from './parse-envelope.ts';

/**
 * True for the browser SDK's DSN transport, which posts envelopes as `text/plain` (so that the
 * browser sends no preflight) and names itself in `?sentry_client=sentry.javascript.browser/…`.
 * Spotlight's sidecar takes those as envelopes when they come from a page (`Origin`); so do we.
 */
export function isBrowserSdkPost(request: Request): boolean {
  const client = new URL(request.url).searchParams.get('sentry_client');
  return client?.startsWith('sentry.javascript.browser') === true && request.headers.has('origin');
}

/**
 * Turns a `POST /stream` request into a parsed envelope, or throws an `HttpError`:
 * 415 for another content type or an unknown `Content-Encoding`, 413 past either size limit,
 * 400 for anything that is not a Sentry envelope. Checks run cheapest first, and nothing is
 * buffered past the limits.
 */
export async function readEnvelope(request: Request, limits: IngestLimits): Promise<RawEnvelope> {
  const contentType = mediaType(request.headers.get('content-type'));
  if (contentType !== ENVELOPE_CONTENT_TYPE && !isBrowserSdkPost(request)) {
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
