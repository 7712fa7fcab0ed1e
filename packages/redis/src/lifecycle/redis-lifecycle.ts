import { ResumableSseError } from '@resumable-sse/core';
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
  type TerminalState,
} from '@resumable-sse/core/lifecycle';
import {
  assertStreamState,
  assertTerminalEvent,
  assertValidStreamName,
  checkDurationOption,
  checkOwnerPageOptions,
  checkRegisterInput,
  decodeOwnerPageCursor,
  metadataFromJson,
  ownerPageKey,
  type ResolvedLifecycleOptions,
  resolveLifecycleOptions,
  toOwnerPage,
} from '@resumable-sse/core/store-kit';
import { guarded } from '../availability.ts';
import type { RedisStoreClient } from '../options.ts';
import { activeIndexKey, type LifecycleKeys, lifecycleKeys, ownerIndexKey } from './keys.ts';
import {
  CLAIM,
  COMPLETE,
  DROP_IF_STALE,
  HEARTBEAT,
  READ,
  REGISTER,
  REQUEST_CANCEL,
  SET_STATE,
} from './scripts.ts';

export interface RedisLifecycleOptions extends LifecycleStoreOptions {
  /** The ioredis client the application created and owns (standalone or Cluster); never closed here. */
  readonly client: RedisStoreClient;
  /** First part of every key. No `{` or `}`. Use the event store's prefix to keep a stream's keys together. @default 'rsse' */
  readonly keyPrefix?: string | undefined;
  /** Longest wait for one operation before it fails with `STORE_UNAVAILABLE`. @default 2_000 */
  readonly commandTimeoutMs?: number | undefined;
}

/** Stale candidates read from the heartbeat index per round trip. */
const CLAIM_PAGE = 200;
/** A bound on claim pages per call; the next guardian run goes on where this one stopped. */
const MAX_CLAIM_PAGES = 50;
/** Owner index entries read per round trip while listing everything (`listByOwner`). */
const OWNER_SCAN_PAGE = 500;

/**
 * A `LifecycleStore` on Redis, shared by every process on that Redis. Per-stream data is
 * hash-tagged `{streamId}` (the same slot as the stream's events on Cluster) and every decision
 * is a single-slot Lua script, so exactly one process claims, ends or cancels a stream. Retention
 * uses Redis key TTLs (real time), so `expire()` only tidies the heartbeat index.
 *
 * @example
 * const client = new Redis(process.env.REDIS_URL);
 * const lifecycle = redisLifecycle({ client });
 */
export function redisLifecycle(options: RedisLifecycleOptions): RedisLifecycleStore {
  return new RedisLifecycleStore(options);
}

export class RedisLifecycleStore implements LifecycleStore {
  readonly kind = 'redis';
  readonly #client: RedisStoreClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #options: ResolvedLifecycleOptions;
  readonly #activeKey: string;
  #closed = false;

  constructor(options: RedisLifecycleOptions) {
    const client = options?.client;
    if (
      !client ||
      typeof client !== 'object' ||
      typeof (client as { evalsha?: unknown }).evalsha !== 'function'
    ) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        'redisLifecycle needs the ioredis client your app created: redisLifecycle({ client })',
      );
    }
    const prefix = options.keyPrefix ?? 'rsse';
    if (typeof prefix !== 'string' || prefix === '' || /[{}]/.test(prefix)) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        `redisLifecycle keyPrefix must be a non-empty string without "{" or "}", got ${JSON.stringify(prefix)}`,
      );
    }
    this.#client = client;
    this.#prefix = prefix;
    this.#timeoutMs = checkDurationOption('commandTimeoutMs', options.commandTimeoutMs, 2_000);
    this.#options = resolveLifecycleOptions(options);
    this.#activeKey = activeIndexKey(prefix);
  }

  async register(input: RegisterInput): Promise<boolean> {
    const { streamId, type, owner, metadataJson } = checkRegisterInput(input);
    const keys = lifecycleKeys(this.#prefix, streamId);
    const now = this.#now();
    const ttl = this.#options.recordTtlMs;
    return this.#do(`register stream "${streamId}"`, async (client) => {
      const created = await REGISTER.run(
        client,
        [keys.record, keys.completion],
        [type, owner, now, ttl, metadataJson],
      );
      if (Number(created) !== 1) return false;
      const ownerKey = ownerIndexKey(this.#prefix, owner);
      await Promise.all([
        client.zadd(this.#activeKey, now, streamId),
        client
          .zadd(ownerKey, 0, ownerPageKey({ startedAt: now, streamId }))
          .then(() => client.pexpire(ownerKey, ttl)),
      ]);
      return true;
    });
  }

  async heartbeat(streamId: string): Promise<boolean> {
    const keys = this.#keys(streamId);
    const now = this.#now();
    const ttl = this.#options.recordTtlMs;
    return this.#do(`record a heartbeat of "${streamId}"`, async (client) => {
      const owner = await HEARTBEAT.run(client, [keys.record], [now, ttl]);
      if (typeof owner !== 'string') return false;
      await Promise.all([client.zadd(this.#activeKey, now, streamId), this.#renewOwnerIndex(client, owner)]);
      return true;
    });
  }

  async get(streamId: string): Promise<StreamRecord | null> {
    const keys = this.#keys(streamId);
    return this.#do(`read stream "${streamId}"`, (client) => this.#read(client, streamId, keys));
  }

  async listByOwner(owner: string): Promise<StreamRecord[]> {
    const records: StreamRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.pageByOwner(owner, { after, limit: OWNER_SCAN_PAGE });
      records.push(...page.records);
      if (page.next === null) break;
      after = page.next;
    }
    return records.reverse();
  }

  async pageByOwner(owner: string, options?: OwnerPageOptions): Promise<OwnerPage> {
    const { after, limit } = checkOwnerPageOptions(owner, options);
    const ownerKey = ownerIndexKey(this.#prefix, owner);
    return this.#do('page streams by owner', async (client) => {
      const live: StreamRecord[] = [];
      let from = after ? `(${ownerPageKey(after)}` : '+';
      // Entries of records Redis expired (or re-registered by someone else) are dropped on the way,
      // so a page may take more than one read; each read starts after the last entry seen.
      while (live.length <= limit) {
        const want = limit + 1 - live.length;
        const members = await client.zrevrangebylex(ownerKey, from, '-', 'LIMIT', 0, want);
        const read = await Promise.all(members.map((member) => this.#readOwned(client, owner, member)));
        const gone = members.filter((_, index) => read[index] === null);
        if (gone.length > 0) await client.zrem(ownerKey, ...gone);
        for (const record of read) if (record) live.push(record);
        if (members.length < want) break;
        from = `(${members.at(-1)}`;
      }
      return toOwnerPage(live, limit);
    });
  }

  /** The record an owner index entry names, or null when the entry is stale. */
  async #readOwned(client: RedisStoreClient, owner: string, member: string): Promise<StreamRecord | null> {
    let position: ReturnType<typeof decodeOwnerPageCursor>;
    try {
      position = decodeOwnerPageCursor(member);
    } catch {
      return null;
    }
    const { streamId, startedAt } = position;
    const record = await this.#read(client, streamId, lifecycleKeys(this.#prefix, streamId));
    return record?.owner === owner && record.startedAt === startedAt ? record : null;
  }

  async #read(client: RedisStoreClient, streamId: string, keys: LifecycleKeys): Promise<StreamRecord | null> {
    const reply = (await READ.run(client, [keys.record, keys.completion], [])) as string[] | undefined;
    const [state, ...fields] = reply ?? [];
    if (state === undefined) return null;
    return toRecord(streamId, { ...pairsToObject(fields), state });
  }

  async countActive(): Promise<number> {
    // An entry older than the record TTL belongs to a record Redis already expired.
    const since = this.#now() - this.#options.recordTtlMs;
    return this.#do('count active streams', (client) => client.zcount(this.#activeKey, `(${since}`, '+inf'));
  }

  async setState(streamId: string, state: StreamState, options: SetStateOptions = {}): Promise<boolean> {
    assertStreamState(state);
    if (options.from !== undefined) assertStreamState(options.from, 'from');
    const keys = this.#keys(streamId);
    const now = this.#now();
    return this.#do(`set the state of "${streamId}"`, async (client) => {
      const reply = await SET_STATE.run(
        client,
        [keys.record, keys.completion],
        [state, now, this.#options.recordTtlMs, options.from ?? ''],
      );
      if (!Array.isArray(reply)) return false;
      const [lastHeartbeat, owner] = reply as [string, string];
      // A stream handed back to `active` (its terminal event could not be stored) must be findable when stale.
      await Promise.all([
        state === 'active'
          ? client.zadd(this.#activeKey, lastHeartbeat, streamId)
          : client.zrem(this.#activeKey, streamId),
        this.#renewOwnerIndex(client, owner),
      ]);
      return true;
    });
  }

  async complete(
    streamId: string,
    terminal: TerminalEvent,
    ttlMs = DEFAULT_COMPLETION_TTL_MS,
  ): Promise<void> {
    assertTerminalEvent(terminal);
    const ttl = checkDurationOption('ttlMs', ttlMs, DEFAULT_COMPLETION_TTL_MS);
    const keys = this.#keys(streamId);
    const now = this.#now();
    const completion: CompletionRecord = {
      streamId,
      event: terminal.event,
      data: terminal.data,
      id: terminal.id,
      state: terminal.state,
      completedAt: now,
    };
    await this.#do(`complete stream "${streamId}"`, async (client) => {
      const ended = await COMPLETE.run(
        client,
        [keys.record, keys.completion],
        [JSON.stringify(completion), ttl, terminal.state, now, this.#options.recordTtlMs],
      );
      if (typeof ended === 'string') {
        await Promise.all([client.zrem(this.#activeKey, streamId), this.#renewOwnerIndex(client, ended)]);
      }
    });
  }

  async completion(streamId: string): Promise<CompletionRecord | null> {
    const keys = this.#keys(streamId);
    return this.#do(`read the completion of "${streamId}"`, async (client) =>
      toCompletion(streamId, await client.get(keys.completion)),
    );
  }

  async claimStale(thresholdMs: number, now = this.#now()): Promise<StreamRecord[]> {
    checkDurationOption('thresholdMs', thresholdMs, 0, 0);
    const at = Math.floor(now);
    const cutoff = at - thresholdMs;
    const claimed: StreamRecord[] = [];
    for (let page = 0; page < MAX_CLAIM_PAGES; page += 1) {
      const candidates = await this.#do('claim stale streams', async (client) => {
        const ids = await client.zrangebyscore(this.#activeKey, '-inf', cutoff, 'LIMIT', 0, CLAIM_PAGE);
        await Promise.all(ids.map((streamId) => this.#claimOne(client, streamId, cutoff, at, claimed)));
        return ids.length;
      });
      // Every candidate left the stale range (claimed, dropped or re-scored), so the next page is new.
      if (candidates < CLAIM_PAGE) break;
    }
    return claimed;
  }

  async #claimOne(
    client: RedisStoreClient,
    streamId: string,
    cutoff: number,
    now: number,
    claimed: StreamRecord[],
  ): Promise<void> {
    const reply = (await CLAIM.run(
      client,
      [lifecycleKeys(this.#prefix, streamId).record],
      [cutoff, now, this.#options.recordTtlMs],
    )) as [number, ...string[]] | undefined;
    const [outcome, ...rest] = reply ?? [0];
    if (outcome === 1) {
      // The record heartbeated but its index entry lagged: move the entry up (never down).
      await client.zadd(this.#activeKey, 'XX', 'GT', rest[0] ?? String(now), streamId);
      return;
    }
    await DROP_IF_STALE.run(client, [this.#activeKey], [streamId, cutoff]);
    if (outcome === 2) {
      const record = toRecord(streamId, pairsToObject(rest));
      if (!record) return;
      claimed.push(record);
      await this.#renewOwnerIndex(client, record.owner);
    }
  }

  async requestCancel(streamId: string): Promise<boolean> {
    const keys = this.#keys(streamId);
    const now = this.#now();
    return this.#do(`request cancellation of "${streamId}"`, async (client) => {
      const owner = await REQUEST_CANCEL.run(client, [keys.record], [now, this.#options.recordTtlMs]);
      if (typeof owner !== 'string') return false;
      await this.#renewOwnerIndex(client, owner);
      return true;
    });
  }

  async cancelRequested(streamId: string): Promise<boolean> {
    const keys = this.#keys(streamId);
    return this.#do(
      `read the cancel flag of "${streamId}"`,
      async (client) => (await client.hget(keys.record, 'cancel')) === '1',
    );
  }

  /** Records and completions expire as Redis keys; this drops index entries of records already gone. */
  async expire(now = this.#now()): Promise<number> {
    const before = Math.floor(now) - this.#options.recordTtlMs;
    return this.#do('expire old index entries', (client) =>
      client.zremrangebyscore(this.#activeKey, '-inf', `(${before}`),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /**
   * The owner's index lives as long as the newest write to any of their records: every write that
   * renews a record renews it too (to now + record TTL, never shorter than any record's).
   */
  async #renewOwnerIndex(client: RedisStoreClient, owner: string): Promise<void> {
    await client.pexpire(ownerIndexKey(this.#prefix, owner), this.#options.recordTtlMs);
  }

  #keys(streamId: string) {
    assertValidStreamName(streamId);
    return lifecycleKeys(this.#prefix, streamId);
  }

  #now(): number {
    return Math.floor(this.#options.now());
  }

  #do<T>(what: string, operation: (client: RedisStoreClient) => Promise<T>): Promise<T> {
    if (this.#closed)
      return Promise.reject(
        new ResumableSseError('STORE_CLOSED', 'This lifecycle store is closed; create a new one'),
      );
    return guarded(this.#client, this.#timeoutMs, what, () => operation(this.#client));
  }
}

function pairsToObject(flat: readonly string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) object[flat[index]!] = flat[index + 1]!;
  return object;
}

function toRecord(streamId: string, hash: Record<string, string>): StreamRecord | null {
  if (hash.state === undefined) return null;
  return {
    streamId,
    type: hash.type ?? '',
    owner: hash.owner ?? '',
    state: hash.state as StreamState,
    startedAt: Number(hash.startedAt),
    lastHeartbeat: Number(hash.lastHeartbeat),
    updatedAt: Number(hash.updatedAt),
    cancelRequested: hash.cancel === '1',
    metadata: metadataFromJson(hash.metadata),
  };
}

function toCompletion(streamId: string, json: string | null): CompletionRecord | null {
  if (json === null) return null;
  try {
    const value = JSON.parse(json) as Partial<CompletionRecord>;
    if (typeof value.id !== 'string' || typeof value.event !== 'string' || typeof value.data !== 'string')
      return null;
    return {
      streamId,
      event: value.event,
      data: value.data,
      id: value.id,
      state: value.state as TerminalState,
      completedAt: Number(value.completedAt),
    };
  } catch {
    return null;
  }
}
