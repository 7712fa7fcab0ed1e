/**
 * Express 5 middleware for resumable Server-Sent Events, writing straight to the Node response.
 *
 * @example
 * ```ts
 * const hub = createHub({ store: memoryStore() });
 * app.get('/stream', sse({ hub, stream: 'news' }));
 * ```
 * @module
 */
import { createSseEndpoint, type Hub, type SseEndpointOptions } from '@resumable-sse/core';
import { toSseRequest, toSseSink } from '@resumable-sse/core/node';
import type { Request, RequestHandler, Response } from 'express';

export interface SseOptions extends SseEndpointOptions<Request> {
  /** Where events are published and read from. */
  readonly hub: Hub;
}

/**
 * A handler answering `GET` with the stream (and `OPTIONS` with the CORS preflight when mounted
 * for it, e.g. `app.all('/stream', sse(…))`). Errors before the stream starts go to `next`.
 */
export function sse(options: SseOptions): RequestHandler {
  const { hub, ...endpointOptions } = options;
  const endpoint = createSseEndpoint<Request>(hub, endpointOptions);

  async function serve(req: Request, res: Response): Promise<void> {
    const plan = await endpoint.handle(toSseRequest(req, res), req);
    if (plan.kind === 'response') {
      res.status(plan.status).set(plan.headers).send(plan.body);
      return;
    }
    res.writeHead(plan.status, plan.headers);
    res.flushHeaders();
    // `pipe` ends the response itself when the connection is over, and never rejects. Not awaited:
    // this function's frame, and the router's `next` it holds, go as soon as the stream is open.
    void plan.pipe(toSseSink(res));
  }

  return (req, res, next) => {
    serve(req, res).catch(next);
  };
}
