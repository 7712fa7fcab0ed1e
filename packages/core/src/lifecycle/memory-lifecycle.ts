import { ResumableSseError } from '../errors.ts';
import { checkOwnerPageOptions, isAfterPosition, newestFirst, toOwnerPage } from './owner-page.ts';
import { settledState } from './settled-state.ts';
import {
  type CompletionRecord,
  DEFAULT_COMPLETION_TTL_MS,
  type LifecycleStore,
  type LifecycleStoreOptions,
  type OwnerPage,
  type OwnerPageOptions,
  type RegisterInput,
  type SetStateOptions,
  type StreamRecord,
  type StreamState,
  type TerminalEvent,
} from './types.ts';
import {
  assertStreamState,
  assertTerminalEvent,
  checkDurationOption,
  checkRegisterInput,
  metadataFromJson,
  type ResolvedLifecycleOptions,
  resolveLifecycleOptions,
} from './validate.ts';

interface Entry {
  /** As written; reads settle its state (see `settled-state.ts`). */
  record: StreamRecord;
  expiresAt: number;
  /** When the latest completion record of this registration lapses; undefined before one. */
  completionUntil?: number | undefined;
}

interface KeptCompletion {
  readonly completion: CompletionRecord;
  readonly expiresAt: number;
}

/**
 * An in-process `LifecycleStore`: nothing is persisted and nothing is shared between processes,
 * so one process must run the producers, the guardian and the endpoints. Expired entries are
 * hidden at once and freed by `expire()` (the guardian calls it on every run).
 *
 * @example
 * const lifecycle = memoryLifecycle();
 * await lifecycle.register({ streamId: 'job-1', type: 'export', owner: 'ada' });
 */
export function memoryLifecycle(options: LifecycleStoreOptions = {}): MemoryLifecycleStore {
  return new MemoryLifecycleStore(options);
}

export class MemoryLifecycleStore implements LifecycleStore {
  readonly kind = 'memory';
  readonly #options: ResolvedLifecycleOptions;
  readonly #records = new Map<string, Entry>();
  readonly #completions = new Map<string, KeptCompletion>();
  readonly #byOwner = new Map<string, Set<string>>();
  readonly #active = new Set<string>();
  #closed = false;

  constructor(options: LifecycleStoreOptions = {}) {
    this.#options = resolveLifecycleOptions(options);
  }

  async register(input: RegisterInput): Promise<boolean> {
    this.#assertOpen();
    const checked = checkRegisterInput(input);
    const now = this.#options.now();
    if (this.#entry(checked.streamId, now)) return false;
    this.#completions.delete(checked.streamId);
    const record: StreamRecord = {
      streamId: checked.streamId,
      type: checked.type,
      owner: checked.owner,
      state: 'active',
      startedAt: now,
      lastHeartbeat: now,
      updatedAt: now,
      cancelRequested: false,
      // A copy through JSON, as the other stores keep it: later changes to the caller's object do not leak in.
      metadata: metadataFromJson(checked.metadataJson),
    };
    this.#records.set(record.streamId, { record, expiresAt: now + this.#options.recordTtlMs });
    this.#active.add(record.streamId);
    let owned = this.#byOwner.get(record.owner);
    if (!owned) {
      owned = new Set();
      this.#byOwner.set(record.owner, owned);
    }
    owned.add(record.streamId);
    return true;
  }

  async heartbeat(streamId: string): Promise<boolean> {
    this.#assertOpen();
    const now = this.#options.now();
    const entry = this.#entry(streamId, now);
    if (entry?.record.state !== 'active') return false;
    this.#write(entry, { lastHeartbeat: now }, now);
    return true;
  }

  async get(streamId: string): Promise<StreamRecord | null> {
    this.#assertOpen();
    const now = this.#options.now();
    const entry = this.#entry(streamId, now);
    return entry ? this.#settled(entry, now) : null;
  }

  async listByOwner(owner: string): Promise<StreamRecord[]> {
    this.#assertOpen();
    return this.#owned(owner, this.#options.now()).sort(
      (a, b) => a.startedAt - b.startedAt || newestFirst(b, a),
    );
  }

  async pageByOwner(owner: string, options?: OwnerPageOptions): Promise<OwnerPage> {
    this.#assertOpen();
    const { after, limit } = checkOwnerPageOptions(owner, options);
    const candidates = this.#owned(owner, this.#options.now())
      .filter((record) => isAfterPosition(record, after))
      .sort(newestFirst);
    return toOwnerPage(candidates.slice(0, limit + 1), limit);
  }

  async countActive(): Promise<number> {
    this.#assertOpen();
    const now = this.#options.now();
    let count = 0;
    for (const streamId of this.#active) if (this.#entry(streamId, now)) count += 1;
    return count;
  }

  async setState(streamId: string, state: StreamState, options: SetStateOptions = {}): Promise<boolean> {
    this.#assertOpen();
    assertStreamState(state);
    if (options.from !== undefined) assertStreamState(options.from, 'from');
    const now = this.#options.now();
    const entry = this.#entry(streamId, now);
    if (!entry || (options.from !== undefined && this.#settled(entry, now).state !== options.from))
      return false;
    this.#write(entry, { state }, now);
    return true;
  }

  async complete(
    streamId: string,
    terminal: TerminalEvent,
    ttlMs = DEFAULT_COMPLETION_TTL_MS,
  ): Promise<void> {
    this.#assertOpen();
    assertTerminalEvent(terminal);
    const ttl = checkDurationOption('ttlMs', ttlMs, DEFAULT_COMPLETION_TTL_MS);
    const now = this.#options.now();
    const completion: CompletionRecord = {
      streamId,
      event: terminal.event,
      data: terminal.data,
      id: terminal.id,
      state: terminal.state,
      completedAt: now,
    };
    this.#completions.set(streamId, { completion, expiresAt: now + ttl });
    const entry = this.#entry(streamId, now);
    if (!entry) return;
    entry.completionUntil = now + ttl;
    if (entry.record.state === 'active') this.#write(entry, { state: terminal.state }, now);
  }

  async completion(streamId: string): Promise<CompletionRecord | null> {
    this.#assertOpen();
    const kept = this.#completions.get(streamId);
    if (!kept) return null;
    if (kept.expiresAt <= this.#options.now()) {
      this.#completions.delete(streamId);
      return null;
    }
    return kept.completion;
  }

  async claimStale(thresholdMs: number, now = this.#options.now()): Promise<StreamRecord[]> {
    this.#assertOpen();
    checkDurationOption('thresholdMs', thresholdMs, 0, 0);
    const cutoff = now - thresholdMs;
    const claimed: StreamRecord[] = [];
    for (const streamId of [...this.#active]) {
      const entry = this.#entry(streamId, now);
      if (!entry || entry.record.lastHeartbeat > cutoff) continue;
      this.#write(entry, { state: 'orphaned' }, now);
      claimed.push(entry.record);
    }
    return claimed;
  }

  async requestCancel(streamId: string): Promise<boolean> {
    this.#assertOpen();
    const now = this.#options.now();
    const entry = this.#entry(streamId, now);
    if (entry?.record.state !== 'active') return false;
    this.#write(entry, { cancelRequested: true }, now);
    return true;
  }

  async cancelRequested(streamId: string): Promise<boolean> {
    this.#assertOpen();
    return this.#entry(streamId, this.#options.now())?.record.cancelRequested ?? false;
  }

  async expire(now = this.#options.now()): Promise<number> {
    this.#assertOpen();
    let removed = 0;
    for (const [streamId, entry] of this.#records) {
      if (entry.expiresAt <= now) {
        this.#remove(streamId, entry);
        removed += 1;
      }
    }
    for (const [streamId, kept] of this.#completions)
      if (kept.expiresAt <= now) this.#completions.delete(streamId);
    return removed;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** The live entry for a stream; an expired one is removed on the way. */
  #entry(streamId: string, now: number): Entry | undefined {
    const entry = this.#records.get(streamId);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#remove(streamId, entry);
      return undefined;
    }
    return entry;
  }

  /** The owner's live records, settled, in no particular order. */
  #owned(owner: string, now: number): StreamRecord[] {
    const records: StreamRecord[] = [];
    for (const streamId of this.#byOwner.get(owner) ?? []) {
      const entry = this.#entry(streamId, now);
      if (entry) records.push(this.#settled(entry, now));
    }
    return records;
  }

  /** The record as readers see it: `expired` once its completion record lapsed. */
  #settled(entry: Entry, now: number): StreamRecord {
    const lapsed = entry.completionUntil !== undefined && entry.completionUntil <= now;
    const state = settledState(entry.record.state, lapsed);
    return state === entry.record.state ? entry.record : { ...entry.record, state };
  }

  #write(entry: Entry, change: Partial<StreamRecord>, now: number): void {
    entry.record = { ...entry.record, ...change, updatedAt: now };
    entry.expiresAt = now + this.#options.recordTtlMs;
    if (entry.record.state === 'active') this.#active.add(entry.record.streamId);
    else this.#active.delete(entry.record.streamId);
  }

  #remove(streamId: string, entry: Entry): void {
    this.#records.delete(streamId);
    this.#active.delete(streamId);
    const owned = this.#byOwner.get(entry.record.owner);
    owned?.delete(streamId);
    if (owned?.size === 0) this.#byOwner.delete(entry.record.owner);
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new ResumableSseError('STORE_CLOSED', 'This lifecycle store is closed; create a new one');
  }
}
