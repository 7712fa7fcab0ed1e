/**
 * Telling a request that can never succeed from a network that failed this time. The first is
 * final (`INVALID_URL`, `INVALID_REQUEST`): retrying it only hides the mistake behind a loop of
 * "reconnecting". The second must be retried. A `TypeError` alone says nothing — browsers reject
 * with one for every network failure — so the checks build the request before it is sent, and a
 * rejection counts as final only when its cause says so.
 */
import { EventStreamError } from './errors.ts';

const HTTP_SCHEMES = new Set(['http:', 'https:']);

/** Node's fetch (undici) rejects with `TypeError('fetch failed')` and these causes, for good. */
const FINAL_FETCH_CAUSES = new Map([
  ['unknown scheme', 'its scheme is not one fetch speaks: use http: or https:'],
  ['not implemented... yet...', 'its scheme is not one fetch speaks: use http: or https:'],
  ['bad port', 'fetch never connects to that port (it is on the blocked list): serve the stream on another'],
]);

function invalidUrl(url: string | URL, why: string, cause?: unknown): EventStreamError {
  return new EventStreamError('INVALID_URL', `cannot request "${String(url)}": ${why}; not retrying`, {
    fatal: true,
    cause,
  });
}

/** The page's address when there is one (browsers; Deno with `--location`). */
function documentBase(): string | undefined {
  const { location } = globalThis as { location?: { href?: unknown } };
  return typeof location?.href === 'string' ? location.href : undefined;
}

/**
 * For the built-in `fetch`: the URL must resolve (against the page, when there is one) to
 * http(s). A custom `fetch` may resolve URLs its own way, so it is not asked.
 */
export function unusableUrl(url: string | URL): EventStreamError | undefined {
  const base = documentBase();
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url, base) : url;
  } catch (cause) {
    return invalidUrl(
      url,
      base === undefined
        ? 'it is not an absolute URL (outside a page there is nothing to resolve it against): pass one like http://host:port/stream'
        : 'it is not a valid URL',
      cause,
    );
  }
  if (!HTTP_SCHEMES.has(parsed.protocol)) {
    return invalidUrl(url, `its scheme "${parsed.protocol}" is not one fetch speaks: use http: or https:`);
  }
  return undefined;
}

/**
 * For the built-in `fetch`: builds the request as it would, without sending it. A header fetch
 * refuses, or an option value it does not know (`credentials: 'bogus'`), throws here.
 */
export function unbuildableRequest(url: string | URL, init: RequestInit): EventStreamError | undefined {
  // A runtime whose fetch is a polyfill may have no `Request`: nothing to check with, then.
  if (typeof Request !== 'function') return undefined;
  try {
    new Request(url, init);
  } catch (cause) {
    return new EventStreamError(
      'INVALID_REQUEST',
      `fetch cannot build this request (${(cause as Error)?.message ?? String(cause)}): fix the headers or credentials option; not retrying`,
      { fatal: true, cause },
    );
  }
  return undefined;
}

/** A header value fetch refuses (a line break, a non-Latin-1 character…), from `headers`. */
export function invalidHeaders(cause: unknown): EventStreamError {
  return new EventStreamError(
    'INVALID_REQUEST',
    `the headers option holds a header fetch refuses (${(cause as Error)?.message ?? String(cause)}): fix its name or value; not retrying`,
    { fatal: true, cause },
  );
}

/**
 * A rejection of `fetch` that no retry can fix, from what the runtime says caused it; `undefined`
 * for everything else (a network failure, which is retried).
 */
export function finalFetchFailure(url: string | URL, error: unknown): EventStreamError | undefined {
  if (!(error instanceof TypeError)) return undefined;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause?.code === 'ERR_INVALID_URL') return invalidUrl(url, 'it is not a valid absolute URL', error);
  const why = typeof cause?.message === 'string' ? FINAL_FETCH_CAUSES.get(cause.message) : undefined;
  return why === undefined ? undefined : invalidUrl(url, why, error);
}
