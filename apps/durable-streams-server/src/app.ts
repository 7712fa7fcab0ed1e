import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDurableStreamsHandler, type DurableStreamsOptions } from '@resumable-sse/durable-streams';
import { toNodeHandler } from '@resumable-sse/durable-streams/node';

/**
 * `GET /health` answers `{"ok":true}`; every other path is a stream URL (the official suite uses
 * `/v1/stream/<name>`).
 */
export function createServerListener(
  options: DurableStreamsOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const streams = toNodeHandler(createDurableStreamsHandler(options));
  return (request, response) => {
    if (request.url === '/health' && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(request.method === 'GET' ? '{"ok":true}' : undefined);
      return;
    }
    streams(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
}
