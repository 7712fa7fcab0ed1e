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
/**
 * Channels a link may still be subscribed to on its node after they left it, before the link is
 * replaced by a fresh connection (see `#retire`): bounded waste instead of `SUNSUBSCRIBE`.
 */
const MAX_STALE_CHANNELS = 64;

/** One Pub/Sub connection to one cluster node, and the shard channels subscribed on it. */
interface NodeLink {
  readonly nodeKey: string;
  readonly connection: Redis;
  /** Channels routed here: their notifications are taken from this connection. */
  readonly channels: Set<string>;
  /** Channels this connection may still be subscribed to on the node, though routed elsewhere. */
  readonly stale: Set<string>;
  connected: boolean;
  everConnected: boolean;
  /** Replaced or released: its events no longer move anything. */
  retired: boolean;
  /**
   * Bumped when the connection was lost or regained: an `SSUBSCRIBE` answered across that may
   * have been resent by ioredis to a node that is no longer the slot's master.
   */
  changes: number;
  /** `moved` events heard since the last check, and how many were `MOVED` replies to our own `SSUBSCRIBE`. */
  movedEvents: number;
  ownMovedReplies: number;
  moveCheckScheduled: boolean;
  /** Bumped on everything the node says on this connection (notifications, replies, `ready`). */
  heard: number;
  /** When it last said something (`performance.now()`). */
  heardAt: number;
  /** The `PING` sent to a quiet connection, and what had been heard by then. */
  probe: { readonly heard: number; readonly sentAt: number } | undefined;
  heartbeat: NodeJS.Timeout | undefined;
  /** Found silent and not ready since: subscribing on it fails at once (as while reconnecting). */
  silent: boolean;
}

/** A channel's move in progress; news arriving meanwhile calls for one more round, not another move. */
interface Move {
  again: boolean;
}

/**
 * Sharded Pub/Sub on a Redis Cluster: each stream's channel is subscribed (`SSUBSCRIBE`) on the
 * master serving its slot, over one connection per node that holds subscribed channels. A shard
 * channel lives where its slot lives, so the subscription has to follow the slot: when a node
 * says the slot went elsewhere (an unsolicited `sunsubscribe` after a reshard or a failover), or
 * its connection drops (a crashed master), the channels on it pause, are subscribed again on
 * the slot's current master, and resume with the epoch check and gap fill of a reconnect — so
 * nothing announced while they moved is missed.
 *
 * Three rules keep that sound while slots move under load:
 * - A node's unsolicited `sunsubscribe` can be parsed in the same read as its answer to an
 *   `SSUBSCRIBE`, before the channel is recorded on the link; so a `moved` event is acted on
 *   once the current read's replies have settled (`setImmediate`), when the channel is routed.
 * - ioredis also reports a `MOVED` answer to our own `SSUBSCRIBE` as `moved`; those are counted
 *   and discounted, so a channel following its slot does not make every channel on the old node
 *   move too (a feedback loop of `SSUBSCRIBE`s during a reshard otherwise).
 * - No `SUNSUBSCRIBE` is ever sent: ioredis matches unsubscribe replies to the command queue's
 *   head, so a node's unsolicited `sunsubscribe` arriving while ours is unanswered is taken for
 *   its answer, and every later reply on the connection lands on the wrong command. A channel
 *   that leaves a link stays subscribed there, ignored, until the link is no longer needed or
 *   holds too many such channels and is replaced.
 *
 * A node that stops answering without closing its connections (frozen, or cut off by a network
 * partition) says neither: it cannot send `sunsubscribe` when its replica takes over, and the
 * connection stays open. So a connection quiet for `heartbeatMs` is sent a `PING`; if nothing at
 * all — reply or notification — has come back `heartbeatMs` later (checked once replies already
 * received have been read, so a busy process is not mistaken for a silent node), its socket is
 * closed and its channels move as after any lost connection. Only silence counts: the cluster's
 * slot map is not what moves a channel, because while a partition heals nodes disagree about
 * who owns a slot; the nodes' own answers (`SSUBSCRIBE` accepted, `MOVED`, `sunsubscribe`) do.
 * After such a move the Cluster client, through which the log is read, is asked to refresh its
 * slot map if it still routes the slot elsewhere: nothing else tells it of a silent master.
 */
export class ClusterSubscriber implements NotificationListener {
  readonly #cluster: Cluster;
  readonly #timeoutMs: number;
  readonly #graceMs: number;
  /** 0 = connections are not checked. */
  readonly #heartbeatMs: number;
  readonly #channels = new Map<string, LiveChannel>();
  /** Channel name → the link it is subscribed on. */
  readonly #routes = new Map<string, NodeLink>();
  /** "host:port" → link. */
  readonly #links = new Map<string, NodeLink>();
  /** Channel name → its move in progress. */
  readonly #moving = new Map<string, Move>();
  /** Slot → the node a `MOVED` reply last named for it (fresher than the client's slot map mid-reshard). */
  readonly #owners = new Map<number, string>();
  /** The Cluster client's slot map refresh in progress (see `#syncClientSlots`). */
  #refreshing: Promise<void> | undefined;
  #closed = false;

  constructor(cluster: Cluster, timeoutMs: number, graceMs: number, heartbeatMs = 0) {
    this.#cluster = cluster;
    this.#timeoutMs = timeoutMs;
    this.#graceMs = graceMs;
    this.#heartbeatMs = heartbeatMs;
  }

  async listen(channelName: string, channel: LiveChannel): Promise<void> {
    if (this.#closed)
      throw new ResumableSseError('STORE_CLOSED', 'The Redis store is closed; create a new one');
    // Given up before it got here (unsubscribed at once): nothing to subscribe.
    if (channel.closed) return;
    this.#channels.set(channelName, channel);
    await this.#subscribe(channelName, channel, Date.now() + this.#timeoutMs);
  }

  unlisten(channelName: string, channel: LiveChannel): void {
    if (this.#channels.get(channelName) !== channel) return;
    this.#channels.delete(channelName);
    this.#moving.delete(channelName);
    const link = this.#routes.get(channelName);
    this.#routes.delete(channelName);
    if (link !== undefined) this.#leave(link, channelName);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#closeAll({ code: 'store-closed' });
    for (const link of this.#links.values()) {
      link.retired = true;
      stopHeartbeat(link);
      link.connection.disconnect();
    }
    this.#links.clear();
  }

  #current(channelName: string, channel: LiveChannel): boolean {
    return !this.#closed && this.#channels.get(channelName) === channel;
  }

  /** Subscribes `channelName` on the master of its slot, following `MOVED` replies, until `deadline`. */
  async #subscribe(channelName: string, channel: LiveChannel, deadline: number): Promise<void> {
    const slot = keySlot(channelName);
    let nodeKey: string | undefined = this.#owners.get(slot) ?? this.#cluster.slots[slot]?.[0];
    let lastError: unknown;
    for (;;) {
      if (!this.#current(channelName, channel)) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw unavailable(
          `Could not subscribe to ${channelName} on the cluster node serving slot ${slot}; retry later`,
          lastError,
        );
      }
      // One attempt waits no longer than one command may: a node that does not answer (frozen,
      // or still being connected to) must not take a move's whole grace period.
      const attemptMs = Math.min(remaining, this.#timeoutMs);
      let link: NodeLink | undefined;
      try {
        nodeKey ??= await this.#ownerOf(slot, attemptMs);
        if (!this.#current(channelName, channel)) return;
        link = this.#link(nodeKey);
        const target = link;
        const changes = target.changes;
        // Its reconnection may hang on a frozen node, as the heartbeat found; ask the cluster again.
        if (target.silent) throw unavailable(`The cluster node ${target.nodeKey} does not answer`);
        await guarded(target.connection, attemptMs, 'subscribe', () =>
          target.connection.ssubscribe(channelName),
        );
        hear(target);
        if (target.retired || !this.#current(channelName, channel)) {
          // Unsubscribed (or replaced) while the answer was on its way: the link keeps it as stale.
          target.stale.add(channelName);
          this.#release(target);
          if (target.retired && this.#current(channelName, channel)) continue;
          return;
        }
        this.#route(channelName, target);
        // The connection dropped and came back meanwhile: ask again, with a gap fill after.
        if (target.changes !== changes) this.#move(channelName);
        else await this.#syncClientSlots(slot, target.nodeKey, attemptMs);
        return;
      } catch (error) {
        lastError = error;
        // A node that no longer serves the slot names the one that does.
        const moved = this.#movedTo(error);
        nodeKey = moved;
        if (link !== undefined) {
          if (moved !== undefined) link.ownMovedReplies += 1;
          this.#release(link);
        }
        if (moved !== undefined) this.#owners.set(slot, moved);
        if (moved === undefined) await sleep(Math.min(ROUTE_RETRY_MS, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /**
   * The master serving `slot`, asked of the cluster (the client's own map may be stale): of a node
   * the heartbeat did not find silent, so the question does not wait on a frozen master.
   */
  async #ownerOf(slot: number, timeoutMs: number): Promise<string> {
    const cluster = this.#cluster;
    const silent = new Set(
      [...this.#links.values()].filter((link) => link.silent).map((link) => link.nodeKey),
    );
    const answering =
      silent.size === 0
        ? []
        : cluster.nodes('all').filter((node) => !silent.has(`${node.options.host}:${node.options.port}`));
    const node = answering[Math.floor(Math.random() * answering.length)];
    const ranges = await (node === undefined
      ? guarded(cluster, timeoutMs, 'read the slot map', () => cluster.cluster('SLOTS'))
      : guarded(node, timeoutMs, 'read the slot map', () => node.cluster('SLOTS')));
    const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
    if (master === undefined) throw unavailable(`No cluster node serves slot ${slot} right now; retry later`);
    return reachableAddress(`${master[0]}:${master[1]}`, cluster.options.natMap);
  }

  /**
   * The log is read through the Cluster client, which routes by its own slot map. When a master
   * went silent nothing corrects that map (no `MOVED` comes back, its connection stays open), so
   * the gap fill after a move would wait on the silent node: when the client still routes `slot`
   * elsewhere than the node that just took our `SSUBSCRIBE`, it refreshes its map first.
   */
  async #syncClientSlots(slot: number, nodeKey: string, timeoutMs: number): Promise<void> {
    const known = this.#cluster.slots[slot]?.[0];
    if (known === nodeKey) return;
    if (known !== undefined && reachableAddress(known, this.#cluster.options.natMap) === nodeKey) return;
    let refreshing = this.#refreshing;
    if (refreshing === undefined) {
      // ioredis may call back at once (no node to ask): the promise is cleared once settled.
      const started = new Promise<void>((resolve) => this.#cluster.refreshSlotsCache(() => resolve()));
      refreshing = started;
      this.#refreshing = started;
      void started.then(() => {
        if (this.#refreshing === started) this.#refreshing = undefined;
      });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      refreshing,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
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
    link.stale.delete(channelName);
    this.#routes.set(channelName, link);
    if (previous !== undefined && previous !== link) this.#leave(previous, channelName);
  }

  /** `channelName` no longer takes its notifications from `link`. */
  #leave(link: NodeLink, channelName: string): void {
    link.channels.delete(channelName);
    link.stale.add(channelName);
    if (!this.#release(link) && link.stale.size > Math.max(MAX_STALE_CHANNELS, link.channels.size)) {
      this.#retire(link);
    }
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
      stale: new Set(),
      connected: false,
      everConnected: false,
      retired: false,
      changes: 0,
      movedEvents: 0,
      ownMovedReplies: 0,
      moveCheckScheduled: false,
      heard: 0,
      heardAt: performance.now(),
      probe: undefined,
      heartbeat: undefined,
      silent: false,
    };
    connection.on('smessage', (channelName: string, message: string) => {
      hear(link);
      if (this.#routes.get(channelName) !== link) return;
      const note = parseNotification(message);
      if (note !== undefined) this.#channels.get(channelName)?.onNotification(note);
    });
    // ioredis reports the server's unsolicited `sunsubscribe` (the slot left this node) as 'moved',
    // and a MOVED answer to our SSUBSCRIBE too.
    connection.on('moved', () => {
      hear(link);
      if (link.retired) return;
      link.movedEvents += 1;
      if (link.moveCheckScheduled) return;
      link.moveCheckScheduled = true;
      setImmediate(() => this.#checkMoved(link));
    });
    connection.on('ready', () => {
      const recovered = link.everConnected && !link.connected;
      link.connected = true;
      link.everConnected = true;
      link.silent = false;
      hear(link);
      if (!recovered || link.retired) return;
      link.changes += 1;
      this.#moveAll(link, false);
    });
    const lost = () => {
      if (!link.connected || link.retired) return;
      link.connected = false;
      link.changes += 1;
      this.#moveAll(link, true);
    };
    connection.on('close', lost);
    connection.on('end', lost);
    connection.on('error', () => {});
    if (this.#heartbeatMs > 0) {
      link.heartbeat = setInterval(() => this.#beat(link), Math.max(1, Math.floor(this.#heartbeatMs / 2)));
      link.heartbeat.unref();
    }
    this.#links.set(nodeKey, link);
    return link;
  }

  /**
   * The heartbeat of one link, every `heartbeatMs / 2`: a connection quiet for `heartbeatMs` gets
   * a `PING`; one that has said nothing at all `heartbeatMs` after it is taken as lost.
   */
  #beat(link: NodeLink): void {
    if (link.retired || this.#closed) {
      stopHeartbeat(link);
      return;
    }
    // Not connected: ioredis reconnects, and `ready` or the lost connection decides.
    if (!link.connected || link.channels.size === 0) {
      link.probe = undefined;
      return;
    }
    const now = performance.now();
    const probe = link.probe;
    if (probe !== undefined && link.heard !== probe.heard) link.probe = undefined;
    else if (probe !== undefined) {
      if (now - probe.sentAt < this.#heartbeatMs) return;
      // Replies that already reached this process are read first (`setImmediate` runs after the
      // event loop polled the sockets): a process too busy to read them is not a silent node.
      setImmediate(() => {
        if (link.probe === probe && link.heard === probe.heard && link.connected && !link.retired) {
          this.#silent(link);
        }
      });
      return;
    }
    if (now - link.heardAt < this.#heartbeatMs) return;
    link.probe = { heard: link.heard, sentAt: now };
    // ioredis allows PING in subscriber mode; its reply is matched to it in order.
    link.connection.ping().then(
      () => hear(link),
      () => {},
    );
  }

  /**
   * Nothing heard from the node, not even an answer to `PING`: closing the socket makes ioredis
   * report the connection lost (the channels move, or end when there is no grace; see `lost`)
   * and reconnect, so a node that answers again is used again.
   */
  #silent(link: NodeLink): void {
    link.probe = undefined;
    link.silent = true;
    link.connection.stream?.destroy();
    // The Cluster client is not told either: once a replica took over, its map should say so.
    this.#cluster.refreshSlotsCache();
  }

  /**
   * Acts on the `moved` events of one read, once our own `SSUBSCRIBE`s have seen their answers.
   * ioredis drops a channel from the connection's subscription set when the node unsubscribes
   * it, so only those channels move; if it names none (a client that does not track them), all do.
   */
  #checkMoved(link: NodeLink): void {
    link.moveCheckScheduled = false;
    const unexplained = link.movedEvents - link.ownMovedReplies;
    link.movedEvents = 0;
    link.ownMovedReplies = 0;
    if (unexplained <= 0 || link.retired || this.#closed) return;
    const held = subscribedShardChannels(link.connection);
    const dropped = [...link.channels].filter((name) => !held.has(name));
    if (dropped.length === 0) this.#moveAll(link, false);
    else for (const name of dropped) this.#move(name);
  }

  /** Drops a link no channel takes notifications from any more (e.g. to a master that died). */
  #release(link: NodeLink): boolean {
    if (link.channels.size > 0 || this.#links.get(link.nodeKey) !== link) return false;
    this.#links.delete(link.nodeKey);
    link.retired = true;
    stopHeartbeat(link);
    link.connection.disconnect();
    return true;
  }

  /** Replaces a link holding too many stale subscriptions: its channels move to a fresh connection. */
  #retire(link: NodeLink): void {
    if (this.#links.get(link.nodeKey) === link) this.#links.delete(link.nodeKey);
    link.retired = true;
    stopHeartbeat(link);
    const names = [...link.channels];
    for (const name of names) this.#move(name);
    // Once every channel is routed elsewhere, the old connection goes (see `#leave`).
    if (names.length === 0) link.connection.disconnect();
  }

  /** Every channel on `link` pauses, is subscribed wherever its slot is now, and resumes. */
  #moveAll(link: NodeLink, connectionLost: boolean): void {
    if (this.#closed) return;
    const names = [...link.channels];
    if (names.length === 0) return;
    if (connectionLost && this.#graceMs === 0) {
      const error = new ResumableSseError('STORE_UNAVAILABLE', 'The Redis Pub/Sub connection was lost');
      for (const name of names) this.#channels.get(name)?.close({ code: 'store-unavailable', error });
      return;
    }
    for (const name of names) this.#move(name);
  }

  /**
   * Pauses `channelName`, subscribes it wherever its slot is now, and resumes it (gap fill). One
   * move per channel at a time: news arriving meanwhile makes the move ask once more.
   */
  #move(channelName: string): void {
    const running = this.#moving.get(channelName);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const channel = this.#channels.get(channelName);
    if (channel === undefined || this.#closed) return;
    const move: Move = { again: false };
    this.#moving.set(channelName, move);
    channel.pause();
    const deadline = Date.now() + Math.max(this.#graceMs, this.#timeoutMs);
    void (async () => {
      try {
        do {
          move.again = false;
          await this.#subscribe(channelName, channel, deadline);
        } while (move.again && this.#moving.get(channelName) === move);
        if (this.#moving.get(channelName) === move) void channel.resume(deadline);
      } catch (error) {
        if (this.#moving.get(channelName) === move) channel.close({ code: 'store-unavailable', error });
      } finally {
        if (this.#moving.get(channelName) === move) this.#moving.delete(channelName);
      }
    })();
  }

  #closeAll(reason: StoreCloseReason): void {
    for (const channel of [...this.#channels.values()]) channel.close(reason);
  }
}

/** The node said something on `link`'s connection. */
function hear(link: NodeLink): void {
  link.heard += 1;
  link.heardAt = performance.now();
}

function stopHeartbeat(link: NodeLink): void {
  clearInterval(link.heartbeat);
  link.heartbeat = undefined;
  link.probe = undefined;
}

/** The shard channels ioredis counts as subscribed on `connection`. */
function subscribedShardChannels(connection: Redis): Set<string> {
  const subscriber = connection.condition?.subscriber;
  return new Set(subscriber ? subscriber.channels('ssubscribe') : []);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
