/**
 * `@resumable-sse/durable-streams/fastify`: a Fastify plugin serving the protocol under its
 * `prefix`. Bodies reach the handler unread, so appends are byte-exact and size-limited by the
 * handler's `maxBodyBytes` rather than Fastify's parsers.
 * @module
 */
import type { FastifyPluginAsync } from 'fastify';
import { createDurableStreamsHandler } from './handler.ts';
import { toNodeHandler } from './node.ts';
import type { DurableStreamsOptions } from './options.ts';

export const durableStreamsFastify: FastifyPluginAsync<DurableStreamsOptions> = async (fastify, options) => {
  const handle = toNodeHandler(createDurableStreamsHandler(options));
  fastify.removeAllContentTypeParsers();
  // Leave the body stream untouched: the protocol handler reads it.
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  const route = (url: string) =>
    fastify.route({
      method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'],
      url,
      handler: async (request, reply) => {
        reply.hijack();
        await handle(request.raw, reply.raw);
      },
    });
  route('/*');
};
