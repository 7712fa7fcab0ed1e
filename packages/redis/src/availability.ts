import { ResumableSseError } from '@resumable-sse/core';
import type { RedisStoreClient } from './options.ts';

/** Reply errors that mean "Redis cannot serve this now", not "this request is wrong". */
const UNAVAILABLE_REPLY = /^(OOM|LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MISCONF)\b/;

export function unavailable(message: string, cause?: unknown): ResumableSseError {
  return new ResumableSseError('STORE_UNAVAILABLE', message, cause === undefined ? undefined : { cause });
}

/** Connection trouble, timeouts and server-side "not now" replies become `STORE_UNAVAILABLE`. */
export function toStoreError(error: unknown, what: string): unknown {
  if (error instanceof ResumableSseError) return error;
  const isReply = error instanceof Error && error.name === 'ReplyError';
  if (isReply && !UNAVAILABLE_REPLY.test(error.message)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return unavailable(`Redis could not ${what} (${detail}); retry once Redis is reachable`, error);
}

type EventSource = Pick<RedisStoreClient, 'status' | 'once' | 'off'> & { connect(): Promise<void> };

/** One pending "until ready or closed" wait per connection, however many operations wait on it. */
const connecting = new WeakMap<object, Promise<void>>();

function untilReadyOrClosed(client: EventSource): Promise<void> {
  let wait = connecting.get(client);
  if (wait === undefined) {
    wait = new Promise<void>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        client.off('ready', onReady);
        client.off('close', onClose);
        client.off('end', onClose);
        connecting.delete(client);
        outcome();
      };
      const onReady = () => settle(resolve);
      const onClose = () => settle(() => reject(new Error('connection closed before it was ready')));
      client.once('ready', onReady);
      client.once('close', onClose);
      client.once('end', onClose);
    });
    wait.catch(() => {});
    connecting.set(client, wait);
  }
  return wait;
}

/**
 * Resolves when `client` can take a command now. Fails at once when the connection is known to be
 * down (so appends fail fast instead of sitting in ioredis' offline queue until Redis returns),
 * and after `timeoutMs` when a connection is still being made.
 */
export async function whenReady(client: EventSource, timeoutMs: number, what: string): Promise<void> {
  const status = client.status;
  if (status === 'ready') return;
  if (status === 'end' || status === 'close' || status === 'reconnecting') {
    throw unavailable(`Redis is not connected (status "${status}"); cannot ${what} now, retry later`);
  }
  if (status === 'wait') {
    // lazyConnect: the first command would connect anyway; connect without queueing ours.
    client.connect().catch(() => {});
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      untilReadyOrClosed(client).catch((error: unknown) => {
        throw unavailable(`Redis connection failed; cannot ${what} now, retry later`, error);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              unavailable(
                `Redis did not become ready within ${timeoutMs} ms; cannot ${what} now, retry later`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one Redis operation with fail-fast and a deadline. `operation` receives the milliseconds
 * left of the budget (for a server-side deadline, see `ServerClock`). Without one, a command that
 * times out may still run later: ioredis resends unanswered commands after a reconnect.
 */
export async function guarded<T>(
  client: RedisStoreClient,
  timeoutMs: number,
  what: string,
  operation: (remainingMs: number) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  await whenReady(client as unknown as EventSource, timeoutMs, what);
  const remaining = Math.max(1, timeoutMs - (Date.now() - started));
  let timer: NodeJS.Timeout | undefined;
  const pending = operation(remaining);
  // The deadline may win the race; the late outcome must not become an unhandled rejection.
  pending.catch(() => {});
  try {
    return await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              unavailable(`Redis did not answer within ${timeoutMs} ms; cannot ${what} now, retry later`),
            ),
          remaining,
        );
      }),
    ]);
  } catch (error) {
    throw toStoreError(error, what);
  } finally {
    clearTimeout(timer);
  }
}
