import { ResumableSseError, type StoreCloseReason } from '@resumable-sse/core';
import { type Cluster, Redis } from 'ioredis';
import { guarded, unavailable } from './availability.ts';
import { keySlot } from './key-slot.ts';
import type { LiveChannel } from './live-channel.ts';
import { reachableAddress } from './nat-map.ts';
import { parseNotification } from './notification.ts';
import type { NotificationListener } from './shared-subscriber.ts';

/** Pause between attempts to find and subscribe on a channel's node while the cluster changes. */
const ROUTE_RETRY_MS = 100;

/** One Pub/Sub connection to one cluster node, and the shard channels subscribed on it. */
interface NodeLink {
  readonly nodeKey: string;
  readonly connection: Redis;
  readonly channels: Set<string>;
  connected: boolean;
  everConnected: boolean;
  /**
   * Bumped whenever the node may have dropped subscriptions (a `moved`, a lost or regained
   * connection). An `SSUBSCRIBE` answered while this changed may already be void: the slot can
   * leave right after the node answers, and its unsolicited `sunsubscribe` is parsed before the
   * subscriber learns of the answer, so the move that follows cannot know of the channel yet.
   */
  changes: number;
}

/**
 * Sharded Pub/Sub on a Redis Cluster: each stream's channel is subscribed (`SSUBSCRIBE`) on the
 * master serving its slot, over one connection per node that holds subscribed channels. A shard
 * channel lives where its slot lives, so the subscription has to follow the slot: when a node
 * says the slot went elsewhere (an unsolicited `sunsubscribe` after a reshard or a failover), or
 * its connection drops (a crashed master), the channels on it pause, are subscribed again on
 * the slot's current master, and resume with the epoch check and gap fill of a reconnect — so
 * nothing announced while they moved is missed.
 */
export class ClusterSubscriber implements NotificationListener {
  readonly #cluster: Cluster;
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  readonly #channels = new Map<string, LiveChannel>();
  /** Channel name → the link it is subscribed on. */
  readonly #routes = new Map<string, NodeLink>();
  /** "host:port" → link. */
  readonly #links = new Map<string, NodeLink>();
  /** Bumped per channel on each move, so only the newest move resumes it. */
  readonly #moves = new Map<string, number>();
  #closed = false;

  constructor(cluster: Cluster, timeoutMs: number, graceMs: number) {
    this.#cluster = cluster;
    this.#timeoutMs = timeoutMs;
    this.#graceMs = graceMs;
  }

  async listen(channelName: string, channel: LiveChannel): Promise<void> {
    if (this.#closed)
      throw new ResumableSseError('STORE_CLOSED', 'The Redis store is closed; create a new one');
    this.#channels.set(channelName, channel);
    await this.#subscribe(channelName, Date.now() + this.#timeoutMs);
  }

  unlisten(channelName: string, channel: LiveChannel): void {
    if (this.#channels.get(channelName) !== channel) return;
    this.#channels.delete(channelName);
    this.#moves.delete(channelName);
    const link = this.#routes.get(channelName);
    this.#routes.delete(channelName);
    if (link === undefined) return;
    link.channels.delete(channelName);
    if (link.connection.status === 'ready') link.connection.sunsubscribe(channelName).catch(() => {});
    this.#release(link);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#closeAll({ code: 'store-closed' });
    for (const link of this.#links.values()) link.connection.disconnect();
    this.#links.clear();
  }

  /** Subscribes `channelName` on the master of its slot, following `MOVED` replies, until `deadline`. */
  async #subscribe(channelName: string, deadline: number): Promise<void> {
    const slot = keySlot(channelName);
    let nodeKey: string | undefined = this.#cluster.slots[slot]?.[0];
    let lastError: unknown;
    for (;;) {
      if (this.#closed || !this.#channels.has(channelName)) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw unavailable(
          `Could not subscribe to ${channelName} on the cluster node serving slot ${slot}; retry later`,
          lastError,
        );
      }
      let link: NodeLink | undefined;
      try {
        nodeKey ??= await this.#ownerOf(slot, remaining);
        link = this.#link(nodeKey);
        const target = link;
        const changes = target.changes;
        await guarded(target.connection, remaining, 'subscribe', () =>
          target.connection.ssubscribe(channelName),
        );
        // Ask the same node again: it confirms the subscription, or names the slot's new owner.
        if (target.changes !== changes) continue;
        this.#route(channelName, target);
        return;
      } catch (error) {
        lastError = error;
        // A node that no longer serves the slot names the one that does.
        nodeKey = this.#movedTo(error);
        if (link !== undefined) this.#release(link);
        if (nodeKey === undefined) await sleep(Math.min(ROUTE_RETRY_MS, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /** The master serving `slot`, asked of the cluster (the client's own map may be stale). */
  async #ownerOf(slot: number, timeoutMs: number): Promise<string> {
    const cluster = this.#cluster;
    const ranges = await guarded(cluster, timeoutMs, 'read the slot map', () => cluster.cluster('SLOTS'));
    const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
    if (master === undefined) throw unavailable(`No cluster node serves slot ${slot} right now; retry later`);
    return reachableAddress(`${master[0]}:${master[1]}`, cluster.options.natMap);
  }

  /** `MOVED <slot> <host:port>` → the address to reach that node at, or undefined for other errors. */
  #movedTo(error: unknown): string | undefined {
    const message = error instanceof Error ? error.message : '';
    const address = /^MOVED \d+ (\S+)/.exec(message)?.[1];
    return address === undefined ? undefined : reachableAddress(address, this.#cluster.options.natMap);
  }

  #route(channelName: string, link: NodeLink): void {
    const previous = this.#routes.get(channelName);
    link.channels.add(channelName);
    this.#routes.set(channelName, link);
    if (previous === undefined || previous === link) return;
    previous.channels.delete(channelName);
    if (previous.connection.status === 'ready') previous.connection.sunsubscribe(channelName).catch(() => {});
    this.#release(previous);
  }

  #link(nodeKey: string): NodeLink {
    const existing = this.#links.get(nodeKey);
    if (existing) return existing;
    const separator = nodeKey.lastIndexOf(':');
    const connection = new Redis({
      ...this.#cluster.options.redisOptions,
      host: nodeKey.slice(0, separator),
      port: Number(nodeKey.slice(separator + 1)),
      // Resubscribing is ours to do: the slot may have moved to another node meanwhile.
      autoResubscribe: false,
      // ioredis would prefix SSUBSCRIBE's channel, while the script publishes it as given.
      keyPrefix: '',
      lazyConnect: false,
    });
    const link: NodeLink = {
      nodeKey,
      connection,
      channels: new Set(),
      connected: false,
      everConnected: false,
      changes: 0,
    };
    connection.on('smessage', (channelName: string, message: string) => {
      if (this.#routes.get(channelName) !== link) return;
      const note = parseNotification(message);
      if (note !== undefined) this.#channels.get(channelName)?.onNotification(note);
    });
    // ioredis reports the server's unsolicited `sunsubscribe` (the slot left this node) as 'moved'.
    connection.on('moved', () => {
      link.changes += 1;
      this.#move(link, false);
    });
    connection.on('ready', () => {
      const recovered = link.everConnected && !link.connected;
      link.connected = true;
      link.everConnected = true;
      if (!recovered) return;
      link.changes += 1;
      this.#move(link, false);
    });
    const lost = () => {
      if (!link.connected) return;
      link.connected = false;
      link.changes += 1;
      this.#move(link, true);
    };
    connection.on('close', lost);
    connection.on('end', lost);
    connection.on('error', () => {});
    this.#links.set(nodeKey, link);
    return link;
  }

  /** Drops a link nobody subscribes on any more (e.g. to a master that died). */
  #release(link: NodeLink): void {
    if (link.channels.size > 0 || this.#links.get(link.nodeKey) !== link) return;
    this.#links.delete(link.nodeKey);
    link.connection.disconnect();
  }

  /** Every channel on `link` pauses, is subscribed wherever its slot is now, and resumes. */
  #move(link: NodeLink, connectionLost: boolean): void {
    if (this.#closed) return;
    const names = [...link.channels];
    if (names.length === 0) return;
    if (connectionLost && this.#graceMs === 0) {
      const error = new ResumableSseError('STORE_UNAVAILABLE', 'The Redis Pub/Sub connection was lost');
      for (const name of names) this.#channels.get(name)?.close({ code: 'store-unavailable', error });
      return;
    }
    const deadline = Date.now() + Math.max(this.#graceMs, this.#timeoutMs);
    for (const name of names) {
      const channel = this.#channels.get(name);
      if (channel === undefined) continue;
      channel.pause();
      const move = (this.#moves.get(name) ?? 0) + 1;
      this.#moves.set(name, move);
      this.#subscribe(name, deadline).then(
        () => {
          if (this.#moves.get(name) === move) void channel.resume(deadline);
        },
        (error: unknown) => {
          if (this.#moves.get(name) === move) channel.close({ code: 'store-unavailable', error });
        },
      );
    }
  }

  #closeAll(reason: StoreCloseReason): void {
    for (const channel of [...this.#channels.values()]) channel.close(reason);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
