import type { GuardedHooks } from '../guarded-hooks.ts';
import type { CursorCodec } from '../protocol/cursor-codec.ts';
import type { EventStore } from '../store/types.ts';
import type { ChannelListener } from './channel.ts';
import type { HeartbeatScheduler } from './heartbeat-scheduler.ts';
import type { ReplayFrameCache } from './replay-frames.ts';
import type { ReplayReadLimiter } from './replay-reads.ts';
import type { Page, ReadPage } from './shared-pages.ts';

/**
 * What endpoints and sessions use of a hub. It is an interface of the engine's own so the engine
 * depends on nothing above it; `Hub` implements it, and a test can hand in something smaller.
 */
export interface EngineHost {
  readonly store: EventStore;
  readonly codec: CursorCodec;
  readonly hooks: GuardedHooks;
  readonly heartbeats: HeartbeatScheduler;
  /** Joins a stream's live fan-out once the store delivers what is appended from then on. */
  join(stream: string, listener: ChannelListener): Promise<FanOutMembership>;
  /** Registers an open connection so closing the hub ends it. */
  trackConnection(connection: TrackedConnection): void;
  untrackConnection(connection: TrackedConnection): void;
  /** Bounds every store read of its connections (`HubOptions.replayReadConcurrency`). */
  readonly replayReads: ReplayReadLimiter;
  /**
   * Reads a replay page of `stream` with `read`, or shares another replay's read of it where that
   * hides nothing from a replay that subscribed at `subscribedAt` (see `shared-pages.ts`).
   */
  readPage(stream: string, after: number, limit: number, subscribedAt: number, read: ReadPage): Promise<Page>;
  /** Now, on the clock `readPage` compares `subscribedAt` with. */
  pageClock(): number;
  /** Recently replayed events' bytes, shared by the connections that replay them. */
  readonly replayFrames: ReplayFrameCache;
}

/** A stream's live fan-out as one of its listeners holds it. */
export interface FanOutMembership {
  leave(listener: ChannelListener): void;
}

/** An open connection as the hub sees it: something to end when the hub closes. */
export interface TrackedConnection {
  hubClosed(): void;
}
