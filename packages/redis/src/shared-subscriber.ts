import { ResumableSseError, type StoreCloseReason } from '@resumable-sse/core';
import type { Cluster, Redis } from 'ioredis';
import { guarded } from './availability.ts';
import type { LiveChannel } from './live-channel.ts';
import { parseNotification } from './notification.ts';
import type { RedisStoreClient } from './options.ts';

/** What the store needs from its notification listener, whichever Pub/Sub flavour it uses. */
export interface NotificationListener {
  /** Resolves once the server confirmed the subscription to `channelName`. */
  listen(channelName: string, channel: LiveChannel): Promise<void>;
  unlisten(channelName: string, channel: LiveChannel): void;
  close(): Promise<void>;
}

/**
 * The store's one Pub/Sub connection, shared by every stream and every subscriber in the
 * process: Redis connections stay at "the app's client + 1" however many subscribers there are.
 * Channels are subscribed while at least one local subscriber wants them.
 */
export class SharedSubscriber implements NotificationListener {
  readonly #source: RedisStoreClient;
  /** `SSUBSCRIBE` instead of `SUBSCRIBE` (on a standalone server; a cluster uses `ClusterSubscriber`). */
  readonly #sharded: boolean;
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  readonly #channels = new Map<string, LiveChannel>();
  #connection: RedisStoreClient | undefined;
  /** Ready and not lost since. */
  #connected = false;
  #everConnected = false;
  #graceTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(source: RedisStoreClient, timeoutMs: number, graceMs: number, sharded = false) {
    this.#source = source;
    this.#sharded = sharded;
    this.#timeoutMs = timeoutMs;
    this.#graceMs = graceMs;
  }

  async listen(channelName: string, channel: LiveChannel): Promise<void> {
    if (this.#closed)
      throw new ResumableSseError('STORE_CLOSED', 'The Redis store is closed; create a new one');
    this.#channels.set(channelName, channel);
    const connection = this.#connect();
    const waiting = connection.status === 'reconnecting' || connection.status === 'close';
    if (waiting && this.#source.status === 'ready') {
      // Redis answers the app's client, so it is back: reconnect now rather than after the backoff.
      connection.connect().catch(() => {});
    }
    await guarded(connection, this.#timeoutMs, 'subscribe', () => this.#subscribe(connection, [channelName]));
  }

  unlisten(channelName: string, channel: LiveChannel): void {
    if (this.#channels.get(channelName) !== channel) return;
    this.#channels.delete(channelName);
    const connection = this.#connection;
    // While disconnected there is nothing to undo: reconnecting resubscribes only what is still listed.
    if (connection?.status !== 'ready') return;
    const done = this.#sharded ? connection.sunsubscribe(channelName) : connection.unsubscribe(channelName);
    done.catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#graceTimer);
    this.#closeAll({ code: 'store-closed' });
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.disconnect();
  }

  #connect(): RedisStoreClient {
    if (this.#connection) return this.#connection;
    const connection = duplicateForPubSub(this.#source);
    connection.on(this.#sharded ? 'smessage' : 'message', (channelName: string, message: string) => {
      const channel = this.#channels.get(channelName);
      if (channel === undefined) return;
      const note = parseNotification(message);
      if (note !== undefined) channel.onNotification(note);
    });
    connection.on('ready', () => this.#onReady(connection));
    connection.on('close', () => this.#onConnectionLost());
    connection.on('end', () => this.#onConnectionLost());
    // Errors surface as 'close' and as failed commands; without a listener ioredis logs each one.
    connection.on('error', () => {});
    this.#connection = connection;
    return connection;
  }

  #onReady(connection: RedisStoreClient): void {
    const recovered = this.#everConnected && !this.#connected;
    this.#connected = true;
    this.#everConnected = true;
    clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    if (!recovered || this.#channels.size === 0) return;
    const channels = [...this.#channels.values()];
    this.#subscribe(connection, [...this.#channels.keys()])
      .then(() => {
        const deadline = Date.now() + Math.max(this.#graceMs, this.#timeoutMs);
        for (const channel of channels) void channel.resume(deadline);
      })
      .catch((error: unknown) => this.#closeAll({ code: 'store-unavailable', error }));
  }

  #subscribe(connection: RedisStoreClient, names: string[]): Promise<unknown> {
    return this.#sharded ? connection.ssubscribe(...names) : connection.subscribe(...names);
  }

  #onConnectionLost(): void {
    if (!this.#connected) return;
    this.#connected = false;
    if (this.#closed) return;
    for (const channel of this.#channels.values()) channel.pause();
    const expire = () => {
      this.#graceTimer = undefined;
      if (!this.#connected) {
        this.#closeAll({
          code: 'store-unavailable',
          error: new ResumableSseError('STORE_UNAVAILABLE', 'The Redis Pub/Sub connection was lost'),
        });
      }
    };
    if (this.#graceMs === 0) expire();
    else this.#graceTimer = setTimeout(expire, this.#graceMs);
  }

  #closeAll(reason: StoreCloseReason): void {
    for (const channel of [...this.#channels.values()]) channel.close(reason);
  }
}

function duplicateForPubSub(client: RedisStoreClient): RedisStoreClient {
  if (client.isCluster) return (client as Cluster).duplicate();
  // Resubscribing is ours to do: only channels still wanted, each followed by an epoch check and gap fill.
  // No keyPrefix: ioredis would prefix SSUBSCRIBE's channel, while the script publishes it as given.
  return (client as Redis).duplicate({ autoResubscribe: false, keyPrefix: '' });
}
