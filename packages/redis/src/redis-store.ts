import {
  type AppendInput,
  type AppendResult,
  type EventStore,
  isResumableSseError,
  ResumableSseError,
  type StoredEvent,
  type StoreSubscriber,
  type StreamPosition,
  type Subscription,
} from '@resumable-sse/core';
import { newEpoch } from '@resumable-sse/core/protocol';
import {
  assertValidAppendInputs,
  assertValidStreamName,
  closedSubscription,
} from '@resumable-sse/core/store-kit';
import type { Cluster } from 'ioredis';
import { AppendBatcher } from './append-batcher.ts';
import { guarded } from './availability.ts';
import { ClusterSubscriber } from './cluster-subscriber.ts';
import { type RawEntry, startAfter, toStoredEvents } from './entries.ts';
import { type StreamKeys, scriptKeys, streamKeys } from './keys.ts';
import { type ChannelHost, LiveChannel } from './live-channel.ts';
import { LuaScript } from './lua-script.ts';
import { APPEND_SCRIPT, POSITION_SCRIPT, SHARDED_APPEND_SCRIPT } from './lua-sources.ts';
import { type RedisStoreOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { ServerClock } from './server-clock.ts';
import { type NotificationListener, SharedSubscriber } from './shared-subscriber.ts';
import { TickCoalescer } from './tick-coalescer.ts';
import { waitForReplicas } from './wait-for-replicas.ts';

const appendScript = new LuaScript(APPEND_SCRIPT);
const shardedAppendScript = new LuaScript(SHARDED_APPEND_SCRIPT);
const positionScript = new LuaScript(POSITION_SCRIPT);
/** Index of the deadline in the append script's ARGV (0-based here, ARGV[8] in Lua). */
const DEADLINE_ARG = 7;

/**
 * The server-side deadline ends a little before the caller stops waiting, so an error in the
 * clock-offset estimate cannot let an append through after its caller was told it failed.
 */
function deadlineMargin(timeoutMs: number): number {
  return Math.min(250, Math.floor(timeoutMs / 4));
}

/** The event store on Redis Streams. Create it with `redisStore({ client })`. */
export class RedisStore implements EventStore {
  readonly kind = 'redis';
  readonly options: ResolvedOptions;
  readonly #subscriber: NotificationListener;
  readonly #appendScript: LuaScript;
  readonly #channels = new Map<string, LiveChannel>();
  readonly #host: ChannelHost;
  readonly #serverClock = new ServerClock();
  readonly #batcher = new AppendBatcher((stream, events) => this.#sendAppend(stream, events));
  readonly #pageReads = new TickCoalescer<StoredEvent[]>((events) => events.slice());
  readonly #positionReads = new TickCoalescer<StreamPosition>((position) => ({ ...position }));
  /** Settles once the server was found to have sharded Pub/Sub (only asked in that mode). */
  #shardedChecked: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisStoreOptions) {
    this.options = resolveOptions(options);
    const { client, commandTimeoutMs, resubscribeGraceMs, pubSubHeartbeatMs, pubSub } = this.options;
    this.#subscriber =
      pubSub === 'sharded' && client.isCluster
        ? new ClusterSubscriber(client as Cluster, commandTimeoutMs, resubscribeGraceMs, pubSubHeartbeatMs)
        : new SharedSubscriber(client, commandTimeoutMs, resubscribeGraceMs, pubSub === 'sharded');
    this.#appendScript = pubSub === 'sharded' ? shardedAppendScript : appendScript;
    this.#host = {
      listen: async (name, channel) => {
        await this.#assertShardedPubSub();
        // Unsubscribed while that was checked: subscribing now would leave nobody to undo it.
        if (channel.closed) return;
        return this.#subscriber.listen(name, channel);
      },
      unlisten: (name, channel) => this.#subscriber.unlisten(name, channel),
      position: (stream) => this.position(stream),
      readWithEpoch: (stream, after, limit) => this.#readWithEpoch(stream, after, limit),
      forget: (stream, channel) => {
        if (this.#channels.get(stream) === channel) this.#channels.delete(stream);
      },
    };
  }

  /** The keys and channel one stream uses (for operators, debugging and tests). */
  keysOf(stream: string): StreamKeys {
    assertValidStreamName(stream);
    return streamKeys(this.options.keyPrefix, stream);
  }

  async append(stream: string, events: readonly AppendInput[]): Promise<AppendResult[]> {
    this.#assertOpen();
    assertValidStreamName(stream);
    assertValidAppendInputs(events);
    if (events.length === 0) return [];
    // Before anything is written: a script that fails at SPUBLISH would leave its XADDs behind.
    await this.#assertShardedPubSub();
    return this.#batcher.append(stream, events);
  }

  /** One script call for `events` (one caller's, or several callers' of one tick, joined). */
  async #sendAppend(stream: string, events: readonly AppendInput[]): Promise<AppendResult[]> {
    const keys = this.keysOf(stream);
    const { client, commandTimeoutMs, maxEvents, maxAgeMs, idempotencyWindowMs, notificationInlineBytes } =
      this.options;
    const args: (string | number)[] = [
      newEpoch(),
      this.options.now(),
      maxEvents,
      maxAgeMs,
      idempotencyWindowMs,
      keys.channel,
      notificationInlineBytes,
      0, // deadline, set just before sending
      events.length,
    ];
    for (const input of events) {
      args.push(
        input.event === undefined ? '0' : '1',
        input.event ?? '',
        input.data,
        input.idempotencyKey ?? '',
      );
    }
    const reply = await guarded(client, commandTimeoutMs, 'append', async (remainingMs) => {
      if (!this.#serverClock.known) await this.#serverClock.measure(client);
      const sentAt = Date.now();
      // The server refuses the script once the caller has stopped waiting (minus a margin for clock error).
      args[DEADLINE_ARG] = Math.floor(
        this.#serverClock.toServer(sentAt + remainingMs - deadlineMargin(commandTimeoutMs)),
      );
      const result = (await this.#appendScript.run(client, scriptKeys(keys), args)) as [
        number,
        string,
        ...number[],
      ];
      this.#serverClock.observe(Number(result[0]), sentAt, Date.now());
      return result;
    });
    if (reply.length === 1) {
      throw new ResumableSseError(
        'STORE_UNAVAILABLE',
        `Redis ran the append after its ${commandTimeoutMs} ms deadline and refused it (nothing stored); retry`,
      );
    }
    if (this.options.waitForReplicas > 0) await waitForReplicas(this.options, keys.log);
    const epoch = reply[1];
    const time = Number(reply[2]);
    const results: AppendResult[] = [];
    for (let index = 3; index + 1 < reply.length; index += 2) {
      const duplicate = Number(reply[index + 1]) === 1;
      results.push(
        duplicate
          ? { epoch, offset: Number(reply[index]), duplicate }
          : { epoch, offset: Number(reply[index]), duplicate, time },
      );
    }
    return results;
  }

  async readAfter(stream: string, after: number, limit: number): Promise<StoredEvent[]> {
    this.#assertOpen();
    const keys = this.keysOf(stream);
    if (typeof after !== 'number' || Number.isNaN(after)) {
      throw new ResumableSseError('INVALID_FIELD', `readAfter needs a numeric offset, got ${String(after)}`);
    }
    if (!(limit > 0) || after >= Number.MAX_SAFE_INTEGER) return [];
    const count = Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : Number.MAX_SAFE_INTEGER;
    return this.#pageReads.run(`${stream}\n${Math.floor(after)}\n${count}`, () =>
      this.#readPage(stream, keys, after, count),
    );
  }

  async #readPage(stream: string, keys: StreamKeys, after: number, count: number): Promise<StoredEvent[]> {
    const client = this.options.client;
    const read = () =>
      guarded(client, this.options.commandTimeoutMs, 'read events', () =>
        client.xrange(keys.log, startAfter(after), '+', 'COUNT', count),
      ) as Promise<RawEntry[]>;
    let events = toStoredEvents(await read());
    const { maxAgeMs } = this.options;
    if (maxAgeMs > 0 && events.length > 0 && events[0]!.time < this.options.now() - maxAgeMs) {
      // Expired entries linger until the next append trims them; trim now, then read again.
      await this.position(stream);
      const cutoff = this.options.now() - maxAgeMs;
      events = toStoredEvents(await read()).filter((event) => event.time >= cutoff);
    }
    return events;
  }

  async position(stream: string): Promise<StreamPosition> {
    this.#assertOpen();
    const keys = this.keysOf(stream);
    return this.#positionReads.run(stream, () => this.#readPosition(keys));
  }

  async #readPosition(keys: StreamKeys): Promise<StreamPosition> {
    const client = this.options.client;
    const [epoch, head, oldest] = (await guarded(
      client,
      this.options.commandTimeoutMs,
      'read the stream position',
      () =>
        positionScript.run(client, scriptKeys(keys), [newEpoch(), this.options.now(), this.options.maxAgeMs]),
    )) as [string, number, number];
    return { epoch, head: Number(head), oldest: Number(oldest) < 0 ? null : Number(oldest) };
  }

  subscribe(stream: string, subscriber: StoreSubscriber): Subscription {
    if (this.#closed) return closedSubscription(subscriber);
    const keys = this.keysOf(stream);
    let channel = this.#channels.get(stream);
    if (channel === undefined || channel.closed) {
      channel = new LiveChannel(stream, keys.channel, this.#host);
      this.#channels.set(stream, channel);
    }
    return channel.add(subscriber);
  }

  /** Ends every subscription (`store-closed`) and the Pub/Sub connection. The app's client stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#subscriber.close();
    this.#channels.clear();
  }

  async #readWithEpoch(
    stream: string,
    after: number,
    limit: number,
  ): Promise<{ epoch: string | null; events: StoredEvent[] }> {
    const keys = streamKeys(this.options.keyPrefix, stream);
    const client = this.options.client;
    // One transaction: events of a log recreated meanwhile must not pass for the old epoch's.
    const replies = await guarded(client, this.options.commandTimeoutMs, 'read missed events', () =>
      client.multi().hget(keys.meta, 'epoch').xrange(keys.log, startAfter(after), '+', 'COUNT', limit).exec(),
    );
    if (!replies)
      throw new ResumableSseError('STORE_UNAVAILABLE', 'Redis aborted the read transaction; retry');
    const [[epochError, epoch], [rangeError, entries]] = replies as [
      [Error | null, string | null],
      [Error | null, RawEntry[]],
    ];
    if (epochError) throw epochError;
    if (rangeError) throw rangeError;
    return { epoch, events: toStoredEvents(entries) };
  }

  /** `pubSub: 'sharded'` on a server without SPUBLISH (before Redis 7) is a setup error, said once. */
  #assertShardedPubSub(): Promise<void> {
    if (this.options.pubSub !== 'sharded') return Promise.resolve();
    this.#shardedChecked ??= this.#checkShardedPubSub().catch((error: unknown) => {
      // A server that could not be asked is asked again next time; a missing command stays an error.
      if (!isResumableSseError(error, 'INVALID_OPTION')) this.#shardedChecked = undefined;
      throw error;
    });
    return this.#shardedChecked;
  }

  async #checkShardedPubSub(): Promise<void> {
    const client = this.options.client;
    const info = (await guarded(client, this.options.commandTimeoutMs, 'check for sharded Pub/Sub', () =>
      client.call('COMMAND', 'INFO', 'SPUBLISH'),
    )) as unknown[];
    if (Array.isArray(info) && info[0] != null) return;
    throw new ResumableSseError(
      'INVALID_OPTION',
      "redisStore: pubSub 'sharded' needs SPUBLISH/SSUBSCRIBE (Redis 7 or newer), which this server does not have; pass pubSub: 'classic' (in every process on the same streams)",
    );
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new ResumableSseError('STORE_CLOSED', 'This Redis store is closed; create a new one');
  }
}

/**
 * An `EventStore` on Redis: Redis Streams with the offset as entry ID, one Lua script per append
 * (epoch, idempotency, offsets, trim, notify), hash-tagged keys for Cluster, and live delivery
 * across processes through one shared Pub/Sub connection.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createHub } from '@resumable-sse/core';
 * import { redisStore } from '@resumable-sse/redis';
 *
 * const client = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const hub = createHub({ store: redisStore({ client, maxEvents: 1_000 }) });
 * ```
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
