/**
 * The replay algorithm (docs/protocol.md §5), top to bottom:
 *
 *   1. `planReplay` turns the requested cursor into a starting offset — one branch per row of
 *      the replay table — and, where the position cannot be honoured, a `reset`.
 *   2. `ReplaySession.run` subscribes FIRST, then reads history from the store page by page
 *      (awaiting drain), merges the live events that arrived meanwhile by offset — nothing falls
 *      in the gap, nothing is sent twice — sends `caught-up`, and forwards live events.
 *      Every store read of a replay goes through the hub's replay-read limiter and is retried
 *      after a short pause if it fails (`replay-reads.ts`), so a reconnect storm queues in the
 *      engine instead of timing out on the store.
 *   3. While live, a gap in offsets is filled from the store, a subscriber whose unsent bytes
 *      pass the high-water mark is disconnected (it resumes with its cursor), and one shared
 *      timer per interval sends heartbeats and enforces `maxConnectionMs`.
 */
import type { DisconnectReason } from '../hub-hooks.ts';
import {
  type CaughtUpPayload,
  CONTROL_EVENTS,
  type ResetPayload,
  type ResetReason,
} from '../protocol/control-events.ts';
import type { CursorCodec, CursorDecodeResult } from '../protocol/cursor-codec.ts';
import { encodeCommentBytes, encodeEventBytes } from '../protocol/encode-event.ts';
import { eventTag } from '../protocol/event-tag.ts';
import type { EventStore, LiveEvent, StoreCloseReason, StoredEvent } from '../store/types.ts';
import type { ChannelListener, LiveRun } from './channel.ts';
import type { EndedStreamEvent } from './completion.ts';
import { DrainWatch, endWithinGrace } from './drain-grace.ts';
import type { Beating } from './heartbeat-scheduler.ts';
import type { EngineHost, FanOutMembership, TrackedConnection } from './host.ts';
import { readForReplay } from './replay-reads.ts';
import type { InitialPolicy, SseRequest, SseSink } from './types.ts';

/** Longest requested cursor echoed back in a `reset`. */
const MAX_ECHOED_CURSOR = 256;
const FUTURE_POLL_MS = 50;
/** Timers fire a little early or late; a beat this close to due is sent on this tick. */
const BEAT_SLACK_MS = 20;
/**
 * Reads in a row that bring nothing to fill a gap before the live events held (a store whose
 * reads lag its notifications, as a replica may) before the connection ends and its client
 * resumes; between them a pause that grows by this much each time.
 */
const MAX_FRUITLESS_GAP_READS = 5;
const GAP_READ_PAUSE_MS = 20;

export interface ReplayPlan {
  readonly epoch: string;
  /** Offset of the last event the client has (or is deemed to have); replay sends what follows. */
  readonly start: number;
  /** The retained event at `start`, when there is one: its tag goes into the cursors of `start`. */
  readonly startEvent?: StoredEvent | undefined;
  readonly reset?: ResetPayload;
  /**
   * `start` is the head the store reported after the live subscription was in place: the store
   * holds nothing after it that live delivery will not bring, so replay need not ask.
   */
  readonly atHead?: boolean;
}

export interface PlanReplayInput {
  readonly store: EventStore;
  readonly codec: CursorCodec;
  readonly stream: string;
  /** `Last-Event-ID` (or its query fallback) as received; undefined when absent. */
  readonly requested: string | undefined;
  /** `requested` already decoded by the caller, so a request decodes its cursor once. */
  readonly decoded?: CursorDecodeResult | undefined;
  readonly initial: InitialPolicy;
  readonly futureGraceMs: number;
  readonly signal?: AbortSignal;
  /** Runs each store read (limits, retries); by default the read runs as is. */
  readonly read?: <T>(read: () => Promise<T>) => Promise<T>;
}

/** Decides where a subscription starts: one branch per row of the replay table. */
export async function planReplay(input: PlanReplayInput): Promise<ReplayPlan> {
  const { store, codec, stream, requested } = input;
  const read = input.read ?? ((run) => run());
  let position = await read(() => store.position(stream));
  /** The retained event at `offset`, if any: one O(log n) read. */
  const eventAt = async (offset: number): Promise<StoredEvent | undefined> => {
    if (offset < 1 || position.oldest === null || offset < position.oldest || offset > position.head) {
      return undefined;
    }
    const [found] = await read(() => store.readAfter(stream, offset - 1, 1));
    return found?.offset === offset ? found : undefined;
  };
  const startAt = async (start: number, reset?: ResetPayload): Promise<ReplayPlan> => {
    const startEvent = await eventAt(start);
    return {
      epoch: position.epoch,
      start,
      ...(startEvent && { startEvent }),
      ...(reset && { reset }),
      ...(start === position.head && { atHead: true }),
    };
  };
  const oldestCursor = async (): Promise<string | null> => {
    if (position.oldest === null) return null;
    const oldest = await eventAt(position.oldest);
    const tag = oldest === undefined ? undefined : eventTag(oldest);
    return codec.encode({ epoch: position.epoch, offset: position.oldest, tag });
  };
  const reset = async (reason: ResetReason, start: number): Promise<ReplayPlan> =>
    startAt(start, {
      reason,
      requested: (requested ?? '').slice(0, MAX_ECHOED_CURSOR),
      oldest: await oldestCursor(),
    });

  // Row: absent — the stream's initial policy.
  if (requested === undefined || requested === '') {
    return startAt(initialStart(position, input.initial));
  }

  // Row: malformed or foreign — reset{malformed}, then as if absent.
  const decoded = input.decoded ?? codec.decode(requested);
  if (!decoded.ok) return reset('malformed', initialStart(position, input.initial));
  const cursor = decoded.cursor;

  // Row: other epoch — reset{epoch}, then everything retained.
  if (cursor.epoch !== position.epoch) return reset('epoch', earliestStart(position));

  // Row: older than the oldest retained — reset{evicted}, then everything retained.
  if (cursor.offset < earliestStart(position)) return reset('evicted', earliestStart(position));

  // Row: ahead of the head — wait up to the grace (replica lag), then reset{future}, then as if absent.
  if (cursor.offset > position.head) {
    const deadline = Date.now() + input.futureGraceMs;
    while (cursor.offset > position.head && Date.now() < deadline && !input.signal?.aborted) {
      await sleep(Math.min(FUTURE_POLL_MS, Math.max(1, deadline - Date.now())));
      position = await read(() => store.position(stream));
    }
    if (position.epoch !== cursor.epoch) return reset('epoch', earliestStart(position));
    if (cursor.offset > position.head) return reset('future', initialStart(position, input.initial));
  }

  // Row: within retention — every event after the cursor, unless the event the cursor names is no
  // longer the one stored there: the log went backwards (restored from an older copy), so the
  // position means something else now, as in another epoch.
  const named = await eventAt(cursor.offset);
  if (named !== undefined && cursor.tag !== undefined && eventTag(named) !== cursor.tag) {
    return reset('epoch', earliestStart(position));
  }
  return {
    epoch: position.epoch,
    start: cursor.offset,
    ...(named && { startEvent: named }),
    ...(cursor.offset === position.head && { atHead: true }),
  };
}

/** Offset just before the oldest retained event: "send everything retained". */
function earliestStart(position: { oldest: number | null; head: number }): number {
  return position.oldest === null ? position.head : position.oldest - 1;
}

function initialStart(position: { oldest: number | null; head: number }, initial: InitialPolicy): number {
  if (initial === 'now') return position.head;
  if (initial === 'earliest') return earliestStart(position);
  return Math.max(position.head - initial.last, earliestStart(position));
}

export interface ReplaySessionOptions {
  readonly stream: string;
  readonly requested: string | undefined;
  /** `requested` as the endpoint decoded it. */
  readonly decoded?: CursorDecodeResult | undefined;
  readonly initial: InitialPolicy;
  readonly filter: ((event: StoredEvent) => boolean) | undefined;
  readonly heartbeatMs: number;
  /** The heartbeat's bytes at `now`; the same array for every connection on one tick. */
  readonly heartbeatFrame: (now: number) => Uint8Array;
  readonly retry: number | false;
  readonly highWaterMarkBytes: number;
  readonly futureGraceMs: number;
  readonly maxConnectionMs: number | undefined;
  readonly replayPageSize: number;
  /** How long unsent bytes may go without draining: after a graceful end, and past the mark on a large frame. */
  readonly drainGraceMs: number;
  /** Event names after which the connection ends: the stream will never say more. */
  readonly terminalEvents?: ReadonlySet<string> | undefined;
  /** The stream's terminal event, from its completion record: sent after replay unless the log delivered it. */
  readonly completion?: EndedStreamEvent | null | undefined;
  /** Tells when the client goes away: through `whenGone` where the adapter offers it, else `signal`. */
  readonly request: Pick<SseRequest, 'signal' | 'whenGone'>;
}

interface PendingEvent {
  readonly event: LiveEvent;
  readonly frame: Uint8Array;
}

/** What passing one event did: `full` means written, and the transport asks the writer to wait. */
type PassOutcome = 'sent' | 'full' | 'skipped' | 'stop';

/** The default heartbeat: an empty comment. */
export const HEARTBEAT_COMMENT = encodeCommentBytes('');

/** One client connection: replay, then live, until the client leaves or the stream must end. */
export class ReplaySession implements ChannelListener, Beating, TrackedConnection {
  readonly #host: EngineHost;
  readonly #sink: SseSink;
  readonly #options: ReplaySessionOptions;
  /** On `sessionClock`, as every time this class keeps. */
  readonly #startedAt = sessionClock();
  #lastBeatAt = this.#startedAt;
  readonly #deadline: number | undefined;
  /** The stream's live fan-out, once joined: left with `leave(this)`. */
  #fanOut: FanOutMembership | null = null;
  /** The heartbeat interval this session is registered on; 0 when none. */
  #beatInterval = 0;
  /**
   * Aborts when the connection ends for any reason, so a queued or retrying read stops. Made by
   * the first read and dropped when a catch-up ends (no read is in flight then): an idle live
   * connection does not hold one.
   */
  #reads: AbortController | null = null;
  #state: 'starting' | 'catching-up' | 'live' | 'closed' = 'starting';
  /**
   * Since when, on the host's page clock, this connection holds or has passed every live event:
   * a shared page read asked for after it hides nothing from this connection. Set on joining the
   * live fan-out, and again whenever held events are let go or a live event comes after a gap —
   * from then on only a read asked for later can stand in for what was missed.
   */
  #subscribedAt = 0;
  #epoch: string | undefined;
  /** Offset of the last event this connection has passed (sent or filtered out). */
  #lastSent = 0;
  /** The event at `#lastSent` when known, whose tag the connection's position cursor carries. */
  #lastEvent: StoredEvent | undefined;
  /** Bytes handed to the sink so far, and where the last frame larger than the mark ended. */
  #written = 0;
  #oversizedEnd = 0;
  #oversizedSize = 0;
  /**
   * While only a large frame's excuse keeps this reader under the mark: the bytes the socket had
   * taken when last looked at, and since when that number has not risen (-1: not excused now).
   */
  #excusedFlushed = 0;
  #excusedSince = -1;
  #pending: PendingEvent[] = [];
  #pendingBytes = 0;
  /** The highest offset of the held live events let go of: the store must bring them back. */
  #droppedThrough = 0;
  #catchingUp = false;
  /** Events sent before the first switch to live: the `caught-up` event's `replayed`. */
  #replayed = 0;
  #announcedCaughtUp = false;
  #resolveDone!: () => void;
  readonly #done = new Promise<void>((resolve) => {
    this.#resolveDone = resolve;
  });

  constructor(host: EngineHost, sink: SseSink, options: ReplaySessionOptions) {
    this.#host = host;
    this.#sink = sink;
    this.#options = options;
    if (options.maxConnectionMs !== undefined) {
      // Jitter spreads reconnects so a fleet's connections do not all expire at once.
      const jitter = 0.9 + Math.random() * 0.2;
      this.#deadline = this.#startedAt + Math.round(options.maxConnectionMs * jitter);
    }
  }

  /** The client is gone (`whenGone`, or the request's signal aborted). An `EventListener` method. */
  handleEvent(): void {
    this.#close('client-closed');
  }

  /** The hub is closing: end this connection; the client resumes elsewhere. */
  hubClosed(): void {
    this.#close('hub-closed');
  }

  /** The adapter's server is shutting down: end this connection; the client resumes elsewhere. */
  serverClosed(): void {
    this.#close('server-closed');
  }

  /**
   * Resolves when the connection is over. Never rejects. It is the one promise a live
   * connection holds: `start` returns nothing for an adapter to keep waiting on.
   */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Runs the connection: replay, then live, until `done`. */
  start(): void {
    // A failure ends the connection; nothing escapes as an unhandled rejection.
    this.#run().catch(() => this.#close('store-unavailable'));
  }

  /** Settles once the connection is live or over. */
  async #run(): Promise<void> {
    const { request, stream } = this.#options;
    try {
      // The session itself is the listener (`handleEvent`), and fields replace cleanup closures:
      // an idle connection holds no function objects of its own.
      if (request.whenGone) request.whenGone(this);
      else if (request.signal.aborted) this.#close('client-closed');
      else request.signal.addEventListener('abort', this, { once: true });
      if (this.#isClosed()) return;
      this.#host.trackConnection(this);
      this.#host.hooks.onConnect({ stream });

      // A first byte at once, so proxies and clients see the stream is open.
      const retry = this.#options.retry;
      this.#write(retry === false ? HEARTBEAT_COMMENT : encodeEventBytes({ retry }));
      this.#startTimers();

      // Subscribe first, then read history: live events arriving meanwhile wait in #pending.
      const fanOut = await this.#host.join(stream, this);
      if (this.#isClosed()) {
        fanOut.leave(this);
        return;
      }
      this.#fanOut = fanOut;
      this.#subscribedAt = this.#host.pageClock();

      const plan = await planReplay({
        store: this.#host.store,
        codec: this.#host.codec,
        stream,
        requested: this.#options.requested,
        decoded: this.#options.decoded,
        initial: this.#options.initial,
        futureGraceMs: this.#options.futureGraceMs,
        signal: this.#readSignal(),
        read: (run) => this.#read(run),
      });
      if (this.#isClosed()) return;
      this.#epoch = plan.epoch;
      this.#lastSent = plan.start;
      this.#lastEvent = plan.startEvent;
      if (plan.reset) this.#sendReset(plan.reset);

      await this.#catchUp(plan.atHead === true);
    } catch {
      this.#close('store-unavailable');
    }
  }

  /**
   * Reads from the store until the connection has every event up to the live edge, then
   * switches to live (`#goLive`, which also ends this catch-up). `atHead`: the plan starts at the
   * head read after subscribing, so the first round merges what arrived live without a read.
   */
  async #catchUp(atHead = false): Promise<void> {
    this.#catchingUp = true;
    if (!this.#isClosed()) this.#state = 'catching-up';
    const { store, codec } = this.#host;
    const { stream, replayPageSize } = this.#options;
    let fruitlessRounds = 0;
    // At the head the store has nothing to read: merge what arrived live, and read only for a gap.
    if (atHead && !this.#isClosed() && (await this.#mergePending())) return;
    while (!this.#isClosed()) {
      const after = this.#lastSent;
      const page = await this.#host.readPage(
        stream,
        after,
        replayPageSize,
        this.#subscribedAt,
        (from, count) => this.#read(() => store.readAfter(stream, from, count)),
      );
      if (this.#isClosed()) return;
      for (const event of page) {
        if (event.offset <= this.#lastSent) continue;
        if (event.offset > this.#lastSent + 1) {
          // Retention moved past us while we replayed (or the store skipped events): say so,
          // then go on from what is left.
          this.#sendReset(
            {
              reason: 'evicted',
              requested: this.#positionCursor(),
              oldest: codec.encode({ epoch: this.#epoch!, offset: event.offset, tag: eventTag(event) }),
            },
            event.offset - 1,
          );
        }
        const outcome = this.#pass(event, undefined);
        if (outcome === 'stop') return;
        if (outcome === 'skipped') continue;
        this.#replayed++;
        if (outcome === 'full') {
          const watch = this.#watchDrain();
          await this.#sink.drain();
          watch.stop();
        }
        if (this.#isClosed()) return;
      }
      if (page.length >= replayPageSize) continue;

      // The store has nothing more right now: merge what arrived live meanwhile.
      if (await this.#mergePending()) return;
      // Live events are missing between the store's answer and what is held. Only a read asked
      // for from now on may fill them; a store that keeps lagging is given a moment, then up.
      this.#subscribedAt = this.#host.pageClock();
      fruitlessRounds = this.#lastSent === after ? fruitlessRounds + 1 : 0;
      if (fruitlessRounds > MAX_FRUITLESS_GAP_READS) {
        this.#close('store-unavailable');
        return;
      }
      if (fruitlessRounds > 1) await sleep(GAP_READ_PAUSE_MS * (fruitlessRounds - 1));
    }
  }

  /**
   * Sends the contiguous run of held live events and switches to live (true), or reports a gap
   * the store must fill (false). The final check and the switch happen with no await between
   * them, so no event can slip past.
   */
  async #mergePending(): Promise<boolean> {
    for (;;) {
      while (this.#pending[0] && this.#pending[0].event.offset <= this.#lastSent) {
        if (this.#rewritesPosition(this.#pending[0].event)) {
          this.#close('epoch-changed');
          return true;
        }
        this.#shiftPending();
      }
      const next = this.#pending[0];
      if (!next) {
        // Held events let go of (while a page was in hand, or while this merge waited) are still
        // in the store: nothing held does not mean nothing missed.
        if (this.#lastSent < this.#droppedThrough) return false;
        this.#goLive();
        return true;
      }
      if (next.event.epoch !== this.#epoch) {
        this.#close('epoch-changed');
        return true;
      }
      if (next.event.offset !== this.#lastSent + 1) return false;
      this.#shiftPending();
      const outcome = this.#pass(next.event, next.frame);
      if (outcome === 'stop') return true;
      if (outcome === 'skipped') continue;
      this.#replayed++;
      if (outcome === 'full') {
        const watch = this.#watchDrain();
        await this.#sink.drain();
        watch.stop();
      }
      if (this.#isClosed()) return true;
    }
  }

  /**
   * Switches to live and ends the catch-up in one step, so a live event arriving next is either
   * delivered or starts a new catch-up. The first time, says so before any live event: the
   * stream's completion if it has one the log did not deliver, else `caught-up`.
   */
  #goLive(): void {
    if (this.#isClosed()) return;
    this.#state = 'live';
    this.#catchingUp = false;
    this.#reads = null;
    if (this.#announcedCaughtUp) return;
    this.#announcedCaughtUp = true;
    const completion = this.#options.completion;
    if (completion) {
      // The stream has ended but the log did not (or no longer can) deliver its terminal event.
      this.#write(encodeEventBytes({ id: completion.id, event: completion.event, data: completion.data }));
      this.#close('stream-ended');
      return;
    }
    // The position carries an id, so a client that has seen no event yet still resumes from here.
    const position = this.#positionCursor();
    const replayed = this.#replayed;
    const caughtUp: CaughtUpPayload = { replayed, head: this.#lastSent > 0 ? position : null };
    this.#write(
      encodeEventBytes({ id: position, event: CONTROL_EVENTS.caughtUp, data: JSON.stringify(caughtUp) }),
    );
    this.#host.hooks.onCaughtUp({
      stream: this.#options.stream,
      replayed,
      timeToSyncMs: sessionClock() - this.#startedAt,
    });
  }

  /** A store read under the hub's replay-read limit, retried briefly before the session gives up. */
  #read<T>(run: () => Promise<T>): Promise<T> {
    return readForReplay(this.#host.replayReads, run, this.#readSignal());
  }

  /** Aborts when the connection ends; made on first use and dropped once live (see `#reads`). */
  #readSignal(): AbortSignal {
    this.#reads ??= new AbortController();
    return this.#reads.signal;
  }

  #shiftPending(): void {
    const dropped = this.#pending.shift();
    if (dropped) this.#pendingBytes -= dropped.frame.byteLength;
  }

  /** From the hub: a live event, in order, encoded once for every subscriber. */
  deliver(event: LiveEvent, frame: Uint8Array): void {
    this.#take(event, frame, true);
  }

  /** `deliver`'s work; `judge` false when the reader was judged once for the whole run. */
  #take(event: LiveEvent, frame: Uint8Array, judge: boolean): void {
    if (this.#isClosed()) return;
    if (this.#state !== 'live') {
      this.#pending.push({ event, frame });
      this.#pendingBytes += frame.byteLength;
      if (this.#pendingBytes > this.#options.highWaterMarkBytes) {
        // The store still has these events; dropping the copies bounds memory, and the merge
        // reads them back as a gap — from a read asked for from now on.
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#droppedThrough = event.offset;
        this.#subscribedAt = this.#host.pageClock();
      }
      return;
    }
    if (event.epoch !== this.#epoch) {
      this.#close('epoch-changed');
      return;
    }
    if (event.offset <= this.#lastSent) {
      if (this.#rewritesPosition(event)) this.#close('epoch-changed');
      return;
    }
    if (event.offset > this.#lastSent + 1) {
      this.#pending.push({ event, frame });
      this.#pendingBytes += frame.byteLength;
      this.#subscribedAt = this.#host.pageClock();
      this.#state = 'catching-up';
      if (!this.#catchingUp) void this.#catchUp().catch(() => this.#close('store-unavailable'));
      return;
    }
    if (judge && this.#isBehind()) {
      this.#close('slow-consumer');
      return;
    }
    this.#pass(event, frame);
  }

  /**
   * From the hub: consecutive live events, published within one run of synchronous work. The
   * reader is judged once, before the run: like one frame larger than the mark, a burst larger
   * than the mark is not held against a reader that keeps reading. A connection that would write
   * each event as is writes their joined frames at once; any other takes them one by one.
   */
  deliverRun(run: LiveRun): void {
    const { events, frames } = run;
    if (this.#state === 'live' && this.#isBehind()) {
      this.#close('slow-consumer');
      return;
    }
    if (this.#passesWhole(events)) {
      const last = events[events.length - 1]!;
      this.#lastSent = last.offset;
      this.#lastEvent = last;
      this.#write(run.joined);
      return;
    }
    const before = this.#written;
    for (let i = 0; i < events.length && !this.#isClosed(); i++) this.#take(events[i]!, frames[i]!, false);
    const runBytes = this.#written - before;
    if (runBytes > this.#options.highWaterMarkBytes) this.#markOversized(runBytes);
  }

  /**
   * True when every event of a run would be written unchanged: live, next in order, no filter
   * to ask, no terminal event to end on.
   */
  #passesWhole(events: readonly LiveEvent[]): boolean {
    if (this.#state !== 'live' || this.#options.filter !== undefined) return false;
    const first = events[0]!;
    const last = events[events.length - 1]!;
    if (first.epoch !== this.#epoch || last.epoch !== this.#epoch) return false;
    if (first.offset !== this.#lastSent + 1 || last.offset !== first.offset + events.length - 1) return false;
    const names = this.#options.terminalEvents;
    if (names !== undefined && names.size > 0) {
      for (const event of events) if (event.event !== undefined && names.has(event.event)) return false;
    }
    return true;
  }

  /**
   * The one step every event takes, in offset order, on replay and live alike: advance the
   * position, apply the filter, write the frame, end the connection after a terminal event.
   * `frame` is the shared live encoding; replayed events are encoded here.
   */
  #pass(event: StoredEvent, frame: Uint8Array | undefined): PassOutcome {
    this.#lastSent = event.offset;
    this.#lastEvent = event;
    const admitted = this.#admits(event);
    if (this.#isClosed()) return 'stop';
    let outcome: PassOutcome = 'skipped';
    if (!admitted && this.#isTerminal(event)) {
      // The connection ends here: hand the client this position, or it would resume before the
      // end and be sent nothing, over and over. An id-only frame moves the cursor, dispatches nothing.
      outcome = this.#write(encodeEventBytes({ id: this.#positionCursor() })) ? 'sent' : 'full';
    } else if (admitted) {
      const bytes = frame ?? this.#replayFrame(event);
      outcome = this.#write(bytes) ? 'sent' : 'full';
    }
    return this.#endsStream(event) || this.#isClosed() ? 'stop' : outcome;
  }

  /** A replayed event's frame, with its cursor in this connection's epoch: encoded once per hub. */
  #replayFrame(event: StoredEvent): Uint8Array {
    const epoch = this.#epoch!;
    const frames = this.#host.replayFrames;
    let frame = frames.get(event, epoch);
    if (frame === undefined) {
      frame = encodeEventBytes({
        id: this.#host.codec.encode({ epoch, offset: event.offset, tag: eventTag(event) }),
        event: event.event,
        data: event.data,
      });
      frames.keep(event, epoch, frame);
    }
    return frame;
  }

  /** The connection's filter, fenced: if it throws, this connection alone ends. */
  #admits(event: StoredEvent): boolean {
    const filter = this.#options.filter;
    if (filter === undefined) return true;
    try {
      return filter(event);
    } catch (error) {
      this.#host.hooks.report({ stream: this.#options.stream, source: 'filter', error });
      this.#close('user-code-error');
      return false;
    }
  }

  /**
   * True when `event` sits at this connection's own position but is not the event the connection
   * passed there: the log went backwards under it (restored from an older copy), so what follows
   * would not continue what the client has. Every rewrite reaches the position sooner or later.
   */
  #rewritesPosition(event: StoredEvent): boolean {
    const mine = this.#lastEvent;
    return (
      event.offset === this.#lastSent && mine?.offset === event.offset && eventTag(mine) !== eventTag(event)
    );
  }

  /** This connection's position as a cursor: where it resumes from if it drops now. */
  #positionCursor(): string {
    const offset = this.#lastSent;
    const tag = this.#lastEvent?.offset === offset && offset > 0 ? eventTag(this.#lastEvent) : undefined;
    return this.#host.codec.encode({ epoch: this.#epoch!, offset, tag });
  }

  /**
   * After a terminal event (delivered or filtered out) nothing more will come: end the connection.
   * The client resumes from the terminal's id and is told `204 No Content`.
   */
  #endsStream(event: StoredEvent): boolean {
    if (!this.#isTerminal(event)) return false;
    this.#close('stream-ended');
    return true;
  }

  #isTerminal(event: StoredEvent): boolean {
    const names = this.#options.terminalEvents;
    return event.event !== undefined && names?.has(event.event) === true;
  }

  /** From the hub: the store can no longer promise delivery. */
  end(reason: StoreCloseReason): void {
    this.#close(reason.code);
  }

  /** From the shared heartbeat timer. */
  beat(now: number): void {
    if (this.#isClosed()) return;
    const at = sessionClock(now);
    if (this.#deadline !== undefined && at >= this.#deadline) {
      this.#close('max-connection-time');
      return;
    }
    const { heartbeatMs } = this.#options;
    // The deadline check may tick faster than the heartbeat interval: beat only when one is due.
    if (heartbeatMs > 0 && at - this.#lastBeatAt >= heartbeatMs - BEAT_SLACK_MS) {
      if (this.#isBehind(now)) {
        this.#close('slow-consumer');
        return;
      }
      this.#lastBeatAt = at;
      this.#write(this.#options.heartbeatFrame(now));
    }
  }

  #startTimers(): void {
    const { heartbeatMs, maxConnectionMs } = this.#options;
    let interval = heartbeatMs;
    if (maxConnectionMs !== undefined) {
      // Deadlines ride the heartbeat timer; without heartbeats a coarse shared timer checks them.
      const deadlineCheck = Math.max(100, Math.min(1_000, Math.floor(maxConnectionMs / 10)));
      interval = interval > 0 ? Math.min(interval, deadlineCheck) : deadlineCheck;
    }
    if (interval > 0) {
      this.#host.heartbeats.add(interval, this);
      this.#beatInterval = interval;
    }
  }

  #sendReset(payload: ResetPayload, baseline = this.#lastSent): void {
    this.#lastSent = baseline;
    this.#write(
      encodeEventBytes({
        id: this.#positionCursor(),
        event: CONTROL_EVENTS.reset,
        data: JSON.stringify(payload),
      }),
    );
    this.#host.hooks.onReset({ stream: this.#options.stream, reason: payload.reason });
  }

  #write(bytes: Uint8Array): boolean {
    if (this.#isClosed()) return false;
    if (this.#sink.closed) {
      this.#close('client-closed');
      return false;
    }
    this.#written += bytes.byteLength;
    if (bytes.byteLength > this.#options.highWaterMarkBytes) this.#markOversized(bytes.byteLength);
    return this.#sink.write(bytes);
  }

  /** The last `size` bytes written are one unit larger than the mark: see `#isBehind`. */
  #markOversized(size: number): void {
    this.#oversizedEnd = this.#written;
    this.#oversizedSize = size;
  }

  /**
   * True when the client has fallen behind: more than the mark still unsent before anything new
   * is written. A single frame, or one run of live events, larger than the mark is not held
   * against a reader while it is being sent, so one big event or burst reaches every reader that
   * keeps reading — but only while the socket takes some of it: a reader over the mark that took
   * nothing for `drainGraceMs` has stopped reading, large frame or not.
   */
  #isBehind(now?: number): boolean {
    const buffered = this.#sink.bufferedBytes;
    const mark = this.#options.highWaterMarkBytes;
    if (buffered <= mark) {
      this.#excusedSince = -1;
      return false;
    }
    const flushed = this.#written - buffered;
    const oversizedUnsent = Math.min(Math.max(this.#oversizedEnd - flushed, 0), this.#oversizedSize);
    if (buffered - oversizedUnsent > mark) return true;
    // Only a rise is progress: a transport may count framing of its own as unsent (HTTP/1.1
    // chunk headers), so each write of a stalled reader lowers `flushed` a little.
    const progressed = flushed > this.#excusedFlushed;
    this.#excusedFlushed = flushed;
    if (this.#excusedSince < 0 || progressed) {
      this.#excusedSince = sessionClock(now);
      return false;
    }
    return sessionClock(now) - this.#excusedSince >= this.#options.drainGraceMs;
  }

  /**
   * Replay's backpressure: waits for the transport to take what was written, but not for ever. A
   * client whose socket took nothing for `drainGraceMs` has stopped reading, and is cut as a slow
   * consumer, as one that falls behind live is: else a client could ask for a replay, never read,
   * and hold its socket and the kernel's buffers for as long as it liked. (Closing releases the
   * sink's drain waiters, so the wait ends either way.) Awaited at the call site, so a drain
   * resumes the replay in as few ticks as before.
   */
  #watchDrain(): DrainWatch {
    return new DrainWatch(this.#sink, this.#options.drainGraceMs, () => this.#close('slow-consumer'));
  }

  /** A method, not a field read: state changes across awaits, which narrowing cannot see. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #close(reason: DisconnectReason): void {
    if (this.#isClosed()) return;
    this.#state = 'closed';
    this.#pending = [];
    this.#pendingBytes = 0;
    // Kept aborted, not dropped: planning may still ask for a read, which must be refused.
    this.#reads ??= new AbortController();
    this.#reads.abort();
    // `whenGone` has nothing to remove: it calls once, and a closed session ignores the call.
    if (!this.#options.request.whenGone) this.#options.request.signal.removeEventListener('abort', this);
    this.#host.untrackConnection(this);
    this.#fanOut?.leave(this);
    this.#fanOut = null;
    if (this.#beatInterval > 0) this.#host.heartbeats.remove(this.#beatInterval, this);
    this.#beatInterval = 0;
    // A slow consumer's buffer may never drain: drop its socket rather than queue an end behind it.
    // Any other end waits for what is queued, but only as long as the client keeps reading it.
    if (reason === 'slow-consumer' && this.#sink.abort) this.#sink.abort();
    else endWithinGrace(this.#sink, this.#options.drainGraceMs);
    this.#host.hooks.onDisconnect({ stream: this.#options.stream, reason });
    this.#resolveDone();
  }
}

/**
 * Milliseconds since this module loaded. A connection keeps its times on this clock: small whole
 * numbers, which V8 stores in the field itself, where a `Date.now()` takes a boxed number for
 * every time field of every connection.
 */
const CLOCK_ORIGIN = Date.now();
function sessionClock(now: number = Date.now()): number {
  return now - CLOCK_ORIGIN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
