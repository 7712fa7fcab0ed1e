/**
 * The hub: publish once, encode once, the same bytes to every subscriber. It owns the local
 * fan-out (one store subscription per stream, however many connections) and the shared
 * heartbeat timers, so any number of endpoints and framework adapters can share one hub.
 */
import { hmacCursorSigner } from './cursor-signer.ts';
import { Channel, type ChannelListener } from './engine/channel.ts';
import { HeartbeatScheduler } from './engine/heartbeat-scheduler.ts';
import type { FanOutMembership, TrackedConnection } from './engine/host.ts';
import { ReplayFrameCache } from './engine/replay-frames.ts';
import { ReplayReadLimiter } from './engine/replay-reads.ts';
import { type Page, PageKeeper, type ReadPage } from './engine/shared-pages.ts';
import { ResumableSseError } from './errors.ts';
import { type GuardedHooks, guardHooks } from './guarded-hooks.ts';
import type { HubHooks } from './hub-hooks.ts';
import { type CursorCodec, createCursorCodec } from './protocol/cursor-codec.ts';
import { eventTag } from './protocol/event-tag.ts';
import type { AppendInput, AppendResult, EventStore } from './store/types.ts';
import { assertValidStreamName } from './stream-name.ts';

export interface HubOptions {
  /** Where events are kept: `memoryStore()`, `sqliteStore()`, `redisStore()` or your own. */
  readonly store: EventStore;
  /**
   * Signs cursors with a short HMAC so forged or rolled-back `Last-Event-ID`s read as
   * malformed. At least 16 bytes; every process serving one stream needs the same secret.
   * @default undefined (unsigned cursors)
   */
  readonly cursorSecret?: string | Uint8Array;
  /** Observability callbacks (metrics, logs). */
  readonly hooks?: HubHooks;
  /**
   * Store reads that replaying connections may have in flight at once on this hub; the rest wait
   * their turn. Bounds a reconnect storm's load on the store (one Redis connection queues every
   * command) so reads do not pass the store's command timeout.
   * @default 64
   */
  readonly replayReadConcurrency?: number;
}

/** What `publish` returns: the event's cursor, usable as `Last-Event-ID`. */
export interface PublishResult {
  readonly id: string;
  readonly offset: number;
  readonly epoch: string;
  /** True when the idempotency key was seen before; nothing new was stored. */
  readonly duplicate: boolean;
}

export interface HubStats {
  /** Open stream connections across every endpoint on this hub. */
  readonly connections: number;
  /** Streams with at least one local subscriber (one store subscription each). */
  readonly streams: number;
  /** Shared heartbeat timers running (one per distinct interval). */
  readonly heartbeatTimers: number;
}

export class Hub {
  readonly store: EventStore;
  readonly codec: CursorCodec;
  /** The hooks as given, each call fenced (see `HubHooks`). */
  readonly hooks: GuardedHooks;
  /** @internal shared by endpoints */
  readonly heartbeats = new HeartbeatScheduler();
  /** @internal shared by every session's replay reads */
  readonly replayReads: ReplayReadLimiter;
  /** @internal shared by every session's replay */
  readonly replayFrames = new ReplayFrameCache();
  readonly #channels = new Map<string, Channel>();
  readonly #pageKeeper = new PageKeeper();
  readonly #connections = new Set<TrackedConnection>();
  #closed = false;

  constructor(options: HubOptions) {
    if (!options?.store) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        'createHub needs a store: createHub({ store: memoryStore() })',
      );
    }
    this.store = options.store;
    this.hooks = guardHooks(options.hooks);
    this.replayReads = new ReplayReadLimiter(options.replayReadConcurrency);
    this.codec = createCursorCodec(
      options.cursorSecret === undefined ? {} : { signer: hmacCursorSigner(options.cursorSecret) },
    );
  }

  /** Appends one event and returns its cursor. Subscribers on every process get it live. */
  async publish(stream: string, input: AppendInput): Promise<PublishResult> {
    const [result] = await this.publishBatch(stream, [input]);
    return result!;
  }

  /** Appends several events atomically: consecutive offsets, all or none. */
  async publishBatch(stream: string, inputs: readonly AppendInput[]): Promise<PublishResult[]> {
    this.#assertOpen();
    assertValidStreamName(stream);
    if (inputs.length === 0) return [];
    const results = await this.store.append(stream, inputs);
    return Promise.all(
      results.map(async (result, index) => ({
        id: this.codec.encode({
          epoch: result.epoch,
          offset: result.offset,
          tag: await this.#tagOf(stream, result, inputs[index]!),
        }),
        offset: result.offset,
        epoch: result.epoch,
        duplicate: result.duplicate,
      })),
    );
  }

  /**
   * The tag of the event a publish stored. A duplicate names the event stored first, which only
   * the store knows; a store that does not report append times gives untagged cursors.
   */
  async #tagOf(stream: string, result: AppendResult, input: AppendInput): Promise<string | undefined> {
    if (!result.duplicate) {
      if (result.time === undefined) return undefined;
      return eventTag({ offset: result.offset, time: result.time, event: input.event, data: input.data });
    }
    try {
      const [stored] = await this.store.readAfter(stream, result.offset - 1, 1);
      return stored?.offset === result.offset ? eventTag(stored) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Joins a stream's live fan-out. Resolves once the store delivers everything appended from
   * then on; returns the function that leaves.
   */
  async attach(stream: string, listener: ChannelListener): Promise<() => void> {
    const membership = await this.join(stream, listener);
    return () => membership.leave(listener);
  }

  /**
   * @internal `attach` without a function to leave by: what a connection keeps is the stream's
   * fan-out itself, which it leaves with `leave(listener)`.
   */
  async join(stream: string, listener: ChannelListener): Promise<FanOutMembership> {
    this.#assertOpen();
    let channel = this.#channels.get(stream);
    if (!channel || channel.ended) {
      channel = new Channel(stream, this.store, this.codec, this.#pageKeeper, (done) => {
        if (this.#channels.get(stream) === done) this.#channels.delete(stream);
      });
      this.#channels.set(stream, channel);
    }
    channel.add(listener);
    try {
      await channel.ready;
    } catch (error) {
      channel.leave(listener);
      throw new ResumableSseError(
        'STORE_UNAVAILABLE',
        `Could not subscribe to stream "${stream}"; retry later`,
        {
          cause: error,
        },
      );
    }
    return channel;
  }

  /** @internal a replay's page read, shared through the stream's channel while it is live. */
  readPage(
    stream: string,
    after: number,
    limit: number,
    subscribedAt: number,
    read: ReadPage,
  ): Promise<Page> {
    const channel = this.#channels.get(stream);
    if (channel === undefined || channel.ended) return read(after, limit);
    return channel.pages.read(after, limit, subscribedAt, read);
  }

  /** @internal */
  pageClock(): number {
    return this.#pageKeeper.mark();
  }

  /** @internal endpoints register each open connection so `close()` can end it. */
  trackConnection(connection: TrackedConnection): void {
    this.#connections.add(connection);
  }

  /** @internal */
  untrackConnection(connection: TrackedConnection): void {
    this.#connections.delete(connection);
  }

  stats(): HubStats {
    return {
      connections: this.#connections.size,
      streams: this.#channels.size,
      heartbeatTimers: this.heartbeats.timerCount,
    };
  }

  /** Ends every open connection (clients resume elsewhere) and stops timers. Does not close the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const connection of [...this.#connections]) connection.hubClosed();
    this.#connections.clear();
    this.heartbeats.stop();
  }

  #assertOpen(): void {
    if (this.#closed) throw new ResumableSseError('STORE_CLOSED', 'This hub is closed; create a new one');
  }
}

/** Creates the hub every endpoint and producer of one store shares. */
export function createHub(options: HubOptions): Hub {
  return new Hub(options);
}
