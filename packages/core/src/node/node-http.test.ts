import { once } from 'node:events';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { toSseRequest } from './node-http.ts';

/** Answers each request with what `toSseRequest(…).query('lastEventId')` read. */
async function queryOf(path: string): Promise<string> {
  const server = createServer((req, res) => {
    const value = toSseRequest(req, res).query('lastEventId');
    res.end(value === undefined ? '<none>' : value);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('toSseRequest query', () => {
  it('reads the parameter, decoded, first value when repeated', async () => {
    expect(await queryOf('/s?a=1&lastEventId=ab%2Ecd.1&lastEventId=x')).toBe('ab.cd.1');
  });

  it('finds a parameter whose name is percent-encoded', async () => {
    expect(await queryOf('/s?lastEvent%49d=e.1')).toBe('e.1');
  });

  it('answers undefined without a query or without the parameter', async () => {
    expect(await queryOf('/s')).toBe('<none>');
    expect(await queryOf('/s?other=1')).toBe('<none>');
    expect(await queryOf('/s?lastEventIdx=1')).toBe('<none>');
  });
});

/** A request in flight on a real server, its `SseRequest`, and a way to cut the client off. */
async function openRequest(): Promise<{
  sse: ReturnType<typeof toSseRequest>;
  cutClient(): Promise<void>;
  close(): Promise<void>;
}> {
  const server = createServer((req, res) => {
    res.writeHead(200).flushHeaders();
    server.emit('opened', toSseRequest(req, res), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const opened = once(server, 'opened') as Promise<[ReturnType<typeof toSseRequest>, ServerResponse]>;
  const client = request({ host: '127.0.0.1', port, path: '/s' });
  client.on('error', () => {});
  client.end();
  const [sse, res] = await opened;
  return {
    sse,
    async cutClient() {
      const closed = once(res, 'close');
      client.destroy();
      await closed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('toSseRequest client gone', () => {
  it('calls the whenGone listener once, when the response closes', async () => {
    const open = await openRequest();
    try {
      let calls = 0;
      open.sse.whenGone?.({ handleEvent: () => calls++ });
      expect(calls).toBe(0);
      await open.cutClient();
      expect(calls).toBe(1);
      // After the close: called at once.
      let late = 0;
      open.sse.whenGone?.({ handleEvent: () => late++ });
      expect(late).toBe(1);
      expect(calls).toBe(1);
    } finally {
      await open.close();
    }
  });

  it('aborts the signal on close, whether it was read before or only after', async () => {
    const before = await openRequest();
    const after = await openRequest();
    try {
      const early = before.sse.signal;
      expect(early.aborted).toBe(false);
      await before.cutClient();
      expect(early.aborted).toBe(true);
      await after.cutClient();
      expect(after.sse.signal.aborted).toBe(true);
    } finally {
      await before.close();
      await after.close();
    }
  });
});
