import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of one Redis node that can hold back what the node says to a connection
 * once that connection has sent a given command, and then hand it all over in one write. Tests
 * use it to make two replies the node sent at different moments reach the client together, so
 * the client parses them in one step, as it does under load.
 */
export interface ReplyHoldingProxy {
  readonly port: number;
  /** From now on, a connection that sends `command` has its replies held from then on. */
  holdAfter(command: string): void;
  /** Everything held so far, as text. */
  held(): string;
  /** Everything clients have sent through the proxy, as lowercase text. */
  requests(): string;
  /** Sends everything held in one write per connection and stops holding. */
  release(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  holding: boolean;
  readonly chunks: Buffer[];
}

export async function startReplyHoldingProxy(
  targetPort: number,
  host = '127.0.0.1',
): Promise<ReplyHoldingProxy> {
  const pairs = new Set<Pair>();
  let trigger: string | undefined;
  const sent: string[] = [];

  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, host);
    const pair: Pair = { client, upstream, holding: false, chunks: [] };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1').toLowerCase();
      sent.push(text);
      if (trigger !== undefined && text.includes(trigger)) pair.holding = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (pair.holding) pair.chunks.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));

  return {
    port: (server.address() as AddressInfo).port,
    holdAfter(command) {
      trigger = `\r\n${command.toLowerCase()}\r\n`;
    },
    held() {
      return [...pairs].flatMap((pair) => pair.chunks.map((chunk) => chunk.toString('latin1'))).join('');
    },
    requests() {
      return sent.join('');
    },
    release() {
      trigger = undefined;
      for (const pair of pairs) {
        pair.holding = false;
        if (pair.chunks.length > 0) pair.client.write(Buffer.concat(pair.chunks.splice(0)));
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
