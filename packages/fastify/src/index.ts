/**
 * Fastify 5 plugin for resumable Server-Sent Events: `reply.sse(options)` and `sseRoute(options)`.
 * Registered with `fastify-plugin`, so the decorator is visible in the context that registered it
 * (and its children); another context may register its own hub.
 *
 * @example
 * ```ts
 * await app.register(resumableSse, { hub: createHub({ store: memoryStore() }) });
 * app.get('/stream', sseRoute({ stream: 'news' }));
 * ```
 * @module
 */

import {
  createSseEndpoint,
  type Hub,
  type SseEndpoint,
  type SseEndpointOptions,
  type SseSink,
} from '@resumable-sse/core';
import { toSseRequest, toSseSink } from '@resumable-sse/core/node';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RawServerBase,
  RawServerDefault,
  RouteHandlerMethod,
} from 'fastify';
import fp from 'fastify-plugin';

export interface ResumableSseOptions {
  /** Where events are published and read from, for every route of this registration. */
  readonly hub: Hub;
}

/** Endpoint options; hooks get the Fastify request. */
export type SseReplyOptions = SseEndpointOptions<FastifyRequest>;

declare module 'fastify' {
  interface FastifyReply {
    /** Answers with a resumable SSE stream, a CORS preflight, or an authorization refusal. */
    sse(options: SseReplyOptions): Promise<FastifyReply>;
  }
}

const plugin: FastifyPluginAsync<ResumableSseOptions> = async (fastify, { hub }) => {
  // One endpoint per options object: `sseRoute` passes the same object on every request.
  const endpoints = new WeakMap<SseReplyOptions, SseEndpoint<FastifyRequest>>();
  // Open streams would hold `fastify.close()` forever: end them (clients resume elsewhere).
  const open = new Set<SseSink>();
  fastify.addHook('preClose', async () => {
    for (const sink of open) sink.end();
  });

  fastify.decorateReply('sse', async function sse(this: FastifyReply, options: SseReplyOptions) {
    let endpoint = endpoints.get(options);
    if (endpoint === undefined) {
      endpoint = createSseEndpoint(hub, options);
      endpoints.set(options, endpoint);
    }
    const plan = await endpoint.handle(toSseRequest(this.request.raw, this.raw), this.request);
    if (plan.kind === 'response') return this.code(plan.status).headers(plan.headers).send(plan.body);
    // Hijacked: Fastify's onSend hooks (`@fastify/compress` among them) never see the stream.
    // Headers set on the reply earlier (hooks, `@fastify/cors`) are kept.
    this.headers(plan.headers).hijack();
    for (const [name, value] of Object.entries(this.getHeaders())) {
      if (value !== undefined) this.raw.setHeader(name, value);
    }
    this.raw.writeHead(plan.status);
    this.raw.flushHeaders();
    const sink = toSseSink(this.raw);
    open.add(sink);
    // `pipe` never rejects and ends the response itself when the connection is over.
    await plan.pipe(sink).finally(() => open.delete(sink));
    return this;
  });
};

/** Registers `reply.sse` for this context, bound to one hub. */
export const resumableSse = fp(plugin, { name: '@resumable-sse/fastify', fastify: '5.x' });

/** A route handler streaming with fixed options: `app.get('/stream', sseRoute({ stream: 'news' }))`. */
export function sseRoute<RawServer extends RawServerBase = RawServerDefault>(
  options: SseReplyOptions,
): RouteHandlerMethod<RawServer> {
  return function handler(_request, reply) {
    return reply.sse(options);
  };
}
