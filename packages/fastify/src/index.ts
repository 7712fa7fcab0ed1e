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
  ResumableSseError,
  type SseEndpoint,
  type SseEndpointOptions,
  type SseStreamResponse,
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

/** Marks a handler made by `sseRoute` with its options, so the plugin can build its endpoint up front. */
const ROUTE_OPTIONS = Symbol('@resumable-sse/fastify route options');

type SseRouteHandler = { readonly [ROUTE_OPTIONS]?: SseReplyOptions };

const plugin: FastifyPluginAsync<ResumableSseOptions> = async (fastify, { hub }) => {
  // Checked at registration so a missing hub fails `register`, not the first request.
  if (typeof hub !== 'object' || hub === null || typeof hub.attach !== 'function') {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `resumableSse needs { hub }: await app.register(resumableSse, { hub: createHub({ store }) }); got ${String(hub)}`,
    );
  }
  // One endpoint per options object, kept as long as the object lives: `sseRoute` and a hoisted
  // constant pass the same object on every request. A new object per request gets a new
  // endpoint (about a microsecond: it only validates the options) that goes with the object.
  const endpoints = new WeakMap<SseReplyOptions, SseEndpoint<FastifyRequest>>();
  const endpointFor = (options: SseReplyOptions): SseEndpoint<FastifyRequest> => {
    let endpoint = endpoints.get(options);
    if (endpoint === undefined) {
      endpoint = createSseEndpoint(hub, options);
      endpoints.set(options, endpoint);
    }
    return endpoint;
  };
  // An `sseRoute` route gets its endpoint when it is added: bad options fail at startup, not on
  // the first request.
  fastify.addHook('onRoute', (route) => {
    const options = (route.handler as SseRouteHandler)[ROUTE_OPTIONS];
    if (options !== undefined) endpointFor(options);
  });
  // Open streams would hold `fastify.close()` forever: end them (clients resume elsewhere). A
  // client that stopped reading is dropped once its unsent bytes did not drain within
  // `drainGraceMs`.
  const open = new Set<SseStreamResponse>();
  fastify.addHook('preClose', async () => {
    for (const plan of open) plan.end();
  });

  /**
   * Resolves once the stream is over. A promise chain rather than an `async` function: an open
   * stream then holds one pending step here, not a suspended function and its frame.
   */
  fastify.decorateReply(
    'sse',
    function sse(this: FastifyReply, options: SseReplyOptions): Promise<FastifyReply> {
      let endpoint: SseEndpoint<FastifyRequest>;
      try {
        endpoint = endpointFor(options);
      } catch (error) {
        return Promise.reject(error);
      }
      return endpoint.handle(toSseRequest(this.request.raw, this.raw), this.request).then((plan) => {
        if (plan.kind === 'response') return this.code(plan.status).headers(plan.headers).send(plan.body);
        // Hijacked: Fastify's onSend hooks (`@fastify/compress` among them) never see the stream.
        // Headers set on the reply earlier (hooks, `@fastify/cors`) are kept.
        this.headers(plan.headers).hijack();
        for (const [name, value] of Object.entries(this.getHeaders())) {
          if (value !== undefined) this.raw.setHeader(name, value);
        }
        this.raw.writeHead(plan.status);
        this.raw.flushHeaders();
        open.add(plan);
        // `pipe` never rejects and ends the response itself when the connection is over.
        return plan.pipe(toSseSink(this.raw)).then(() => {
          open.delete(plan);
          return this;
        });
      });
    },
  );
};

/** Registers `reply.sse` for this context, bound to one hub. */
export const resumableSse = fp(plugin, { name: '@resumable-sse/fastify', fastify: '5.x' });

/**
 * A route handler streaming with fixed options: `app.get('/stream', sseRoute({ stream: 'news' }))`.
 * Its endpoint is built once, when the route is added in a context where the plugin is registered,
 * so invalid options throw from `app.get` (`INVALID_OPTION`, `INVALID_STREAM_NAME`). Options that
 * depend on the request are functions of it: `stream: (request) => …`.
 */
export function sseRoute<RawServer extends RawServerBase = RawServerDefault>(
  options: SseReplyOptions,
): RouteHandlerMethod<RawServer> {
  const handler: RouteHandlerMethod<RawServer> = function handler(_request, reply) {
    if (typeof reply.sse !== 'function') throw pluginMissing();
    return reply.sse(options);
  };
  // Fastify binds a route's handler to its context when the route is added (after the `onRoute`
  // hooks): the moment to refuse a route whose context never registered the plugin, so the mistake
  // fails `app.get` instead of every request with a 500.
  const bind = Function.prototype.bind;
  return Object.assign(handler, {
    [ROUTE_OPTIONS]: options,
    bind(this: (...args: never[]) => unknown, context: unknown, ...rest: unknown[]) {
      if (isFastify(context) && !context.hasReplyDecorator('sse')) throw pluginMissing();
      return bind.call(this, context, ...rest);
    },
  });
}

function isFastify(value: unknown): value is { hasReplyDecorator(name: string): boolean } {
  return typeof (value as { hasReplyDecorator?: unknown } | null)?.hasReplyDecorator === 'function';
}

function pluginMissing(): ResumableSseError {
  return new ResumableSseError(
    'INVALID_OPTION',
    'sseRoute needs the resumableSse plugin in this context: await app.register(resumableSse, { hub }) before adding the route.',
  );
}
