import { createServer, request } from 'node:http';
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
