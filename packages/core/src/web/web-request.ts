import type { SseRequest } from '../engine/types.ts';

/**
 * Maps a Web Fetch `Request` onto what the endpoint reads. `signal` should be a connection's
 * (see `webConnection`): the request's own signal does not abort on every runtime when the
 * client goes away mid-stream. The query string is parsed on first use only.
 */
export function toSseRequest(request: Request, signal: AbortSignal, httpVersionMajor = 1): SseRequest {
  let params: URLSearchParams | undefined;
  return {
    method: request.method,
    header: (name) => request.headers.get(name) ?? undefined,
    query: (name) => {
      params ??= new URL(request.url).searchParams;
      return params.get(name) ?? undefined;
    },
    signal,
    httpVersionMajor,
  };
}
