/**
 * Sends many plain requests over a few keep-alive connections (`node:http` agent), so a hundred
 * thousand hostile bodies take seconds, not minutes. A server may answer early (413) and close;
 * the answer still counts. A request that gets no answer at all is status 0.
 */
import { Agent, request } from 'node:http';
import type { PlainRequest } from './demo-apps.ts';

export interface SentResult {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

export async function sendMany(
  baseUrl: string,
  count: number,
  make: (index: number) => PlainRequest,
  onResult: (result: SentResult, sent: PlainRequest, index: number) => void,
  concurrency = 16,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const sent = make(index);
      onResult(await sendOne(baseUrl, sent, agent), sent, index);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
}

export function sendOne(baseUrl: string, sent: PlainRequest, agent?: Agent): Promise<SentResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: SentResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const headers: Record<string, string | number> = { ...sent.headers };
    if (sent.body) headers['content-length'] = sent.body.byteLength;
    const req = request(`${baseUrl}${sent.path}`, { method: sent.method, headers, agent, timeout: 10_000 });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < 4_096) chunks.push(chunk);
        kept += chunk.byteLength;
      });
      const finish = () =>
        done({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          contentType: String(res.headers['content-type'] ?? ''),
        });
      res.once('end', finish);
      res.once('close', finish);
      res.once('error', finish);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', (error) => done({ status: 0, body: error.message, contentType: '' }));
    // The server may refuse before reading the body; a write error then is not ours to report.
    req.end(sent.body);
  });
}
