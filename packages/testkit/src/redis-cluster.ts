/**
 * Starts a real, throwaway Redis Cluster for tests, benchmarks and failure drills: several
 * `redis-server --cluster-enabled yes` processes on loopback (by default three masters with one
 * replica each), joined with `redis-cli --cluster create … --cluster-replicas 1`. Helpers drive
 * what operators do to a cluster: a coordinated failover, a crashed master whose replica takes
 * over, resharding slots with `redis-cli --cluster reshard`, and a restart of every node.
 * Nothing is mocked; a missing binary is a failure, never a skip.
 *
 * @example
 * ```ts
 * const cluster = await startRedisCluster();
 * const client = new Cluster(cluster.startupNodes);
 * // ...
 * await cluster.stop();
 * ```
 * @module
 */
import { execFile } from 'node:child_process';
import { type RedisServerHandle, rawRedisCommand, startRedisServer } from './redis-server.ts';

export interface RedisClusterOptions {
  /** @default 3 */
  readonly masters?: number;
  /** @default 1 */
  readonly replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`: how long a silent master is given before its replica takes over.
   * Short by default so drills see a failover within a few seconds.
   * @default 1_000
   */
  readonly nodeTimeoutMs?: number;
  /** Extra `redis-server` arguments for every node. */
  readonly args?: readonly string[];
  /** Longest wait for the cluster to become healthy after start, failover or reshard. @default 30_000 */
  readonly settleTimeoutMs?: number;
}

export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** For a replica: its master's id. */
  readonly masterId: string | undefined;
  /** Slot ranges served (masters), inclusive. */
  readonly slots: ReadonlyArray<readonly [number, number]>;
  /** Marked failed or unreachable by the node that was asked. */
  readonly failed: boolean;
}

export interface RedisClusterHandle {
  readonly host: string;
  /** Every node's port, in start order (fixed for the handle's life, also across `restart()`). */
  readonly ports: readonly number[];
  /** For `new Cluster(cluster.startupNodes)`. */
  readonly startupNodes: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  /** The server handles, in the order of `ports`. */
  readonly servers: readonly RedisServerHandle[];
  /** Runs one command on the node at `port` and returns the reply's text. */
  command(port: number, ...args: readonly string[]): Promise<string>;
  /** The cluster as a live node sees it (`CLUSTER NODES`). */
  nodes(): Promise<ClusterNode[]>;
  /** `CLUSTER KEYSLOT`. */
  slotOf(key: string): Promise<number>;
  /** Port of the master serving `slot`. */
  ownerOf(slot: number): Promise<number>;
  /**
   * A coordinated failover (`CLUSTER FAILOVER` on a replica of the master at `masterPort`): the
   * replica catches up first, so no acknowledged write is lost. Resolves once the cluster agrees.
   * Returns the new master's port.
   */
  failover(masterPort: number): Promise<number>;
  /**
   * SIGKILLs the master at `masterPort`; its replica is elected after `nodeTimeoutMs`. Writes the
   * replica had not received yet are lost (replication is asynchronous). Resolves once every other
   * node agrees again; returns the new master's port.
   *
   * `replicaLagMs` makes that loss certain: the master is cut off from its replicas that long
   * before it dies, so every write it acknowledged meanwhile is lost.
   */
  killMaster(masterPort: number, options?: { readonly replicaLagMs?: number }): Promise<number>;
  /**
   * Brings a killed node back as an operator would: a fresh, empty `redis-server` on its port
   * joins the cluster (`CLUSTER MEET`) as a replica of `masterPort` (`CLUSTER REPLICATE`) and
   * resolves once it has synced.
   */
  rejoin(port: number, masterPort: number): Promise<void>;
  /**
   * `redis-cli --cluster reshard`: moves `slots` slots from the master at `fromPort` to the one at
   * `toPort`, key by key (`MIGRATE`), while clients keep running (they see `ASK` and `MOVED`).
   * It moves the source's lowest slots first; `lowestSlots(fromPort, n)` names them in advance.
   */
  reshard(fromPort: number, toPort: number, slots: number): Promise<void>;
  /** The `count` lowest slots served by the master at `port` (what `reshard` moves first). */
  lowestSlots(port: number, count: number): Promise<number[]>;
  /**
   * Restarts every node at once, as after a power cut without persistence: every key and the
   * cluster configuration are lost, and the cluster is created again on the same ports.
   */
  restart(): Promise<void>;
  /** Resolves once every live node says `cluster_state:ok` and they agree on who serves each slot. */
  waitHealthy(): Promise<void>;
  /** Stops every node and removes their temp dirs. Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const SLOTS = 16_384;
const POLL_MS = 50;

export function redisCliBinary(): string {
  return process.env.REDIS_CLI_BIN ?? 'redis-cli';
}

function redisCli(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      redisCliBinary(),
      [...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const hint =
            (error as NodeJS.ErrnoException).code === 'ENOENT'
              ? ' (redis-cli not found; install Debian package redis-tools or set REDIS_CLI_BIN)'
              : '';
          reject(
            new Error(
              `redis-cli ${args.slice(0, 2).join(' ')} failed${hint}: ${error.message}\n${stdout}\n${stderr}`,
            ),
          );
        } else resolve(stdout);
      },
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Parses `CLUSTER NODES` (one line per node: id addr flags master ping pong epoch link slots…). */
export function parseClusterNodes(text: string): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const [id, address, flags, master] = fields as [string, string, string, string];
    const slotFields = fields.slice(8);
    const port = Number(/:(\d+)/.exec(address)?.[1]);
    const flagList = flags.split(',');
    const slots: Array<readonly [number, number]> = [];
    for (const field of slotFields) {
      if (field.startsWith('[')) continue; // a slot being migrated or imported
      const [from, to] = field.split('-').map(Number) as [number, number | undefined];
      slots.push([from, to ?? from]);
    }
    nodes.push({
      id,
      port,
      role: flagList.includes('master') ? 'master' : 'replica',
      masterId: master === '-' ? undefined : master,
      slots,
      failed: flagList.includes('fail') || flagList.includes('fail?') || flagList.includes('noaddr'),
    });
  }
  return nodes;
}

/** Starts the nodes, creates the cluster and waits until it serves every slot. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1_000;
  const settleTimeoutMs = options.settleTimeoutMs ?? 30_000;
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
    // A replica that lost its master for a while may still be promoted: drills kill masters.
    '--cluster-replica-validity-factor',
    '0',
    // Replicas sync at once instead of after the default 5 s wait for more replicas.
    '--repl-diskless-sync-delay',
    '0',
    ...(options.args ?? []),
  ];
  const count = masters * (1 + replicas);
  const servers: RedisServerHandle[] = [];
  try {
    for (let index = 0; index < count; index += 1) servers.push(await startRedisServer({ args }));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  const ports = servers.map((server) => server.port);
  const dead = new Set<number>();

  const command = (port: number, ...commandArgs: readonly string[]) => rawRedisCommand(port, commandArgs);
  const live = () => ports.filter((port) => !dead.has(port));

  const nodes = async (): Promise<ClusterNode[]> => {
    let lastError: unknown;
    for (const port of live()) {
      try {
        return parseClusterNodes(await command(port, 'CLUSTER', 'NODES'));
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no cluster node answered CLUSTER NODES: ${String(lastError)}`);
  };

  /** Who serves each slot, as the node at `port` sees it ("" when nobody). */
  const slotMap = async (port: number): Promise<string> => {
    const view = parseClusterNodes(await command(port, 'CLUSTER', 'NODES'));
    return view
      .filter((node) => node.role === 'master' && !node.failed)
      .flatMap((node) => node.slots.map(([from, to]) => `${from}-${to}@${node.port}`))
      .sort()
      .join(',');
  };

  const waitHealthy = async (): Promise<void> => {
    const deadline = Date.now() + settleTimeoutMs;
    let last = '';
    for (;;) {
      try {
        const views = new Set<string>();
        let ok = true;
        for (const port of live()) {
          const info = await command(port, 'CLUSTER', 'INFO');
          if (!info.includes('cluster_state:ok') || !info.includes(`cluster_slots_ok:${SLOTS}`)) {
            ok = false;
            last = `node ${port}: ${info.split('\n').slice(0, 3).join(' ')}`;
            break;
          }
          views.add(await slotMap(port));
        }
        if (ok && views.size === 1) return;
        if (ok) last = `nodes disagree on slot owners: ${[...views].join(' | ')}`;
      } catch (error) {
        last = String(error);
      }
      if (Date.now() > deadline)
        throw new Error(`Redis Cluster did not settle within ${settleTimeoutMs} ms: ${last}`);
      await sleep(POLL_MS);
    }
  };

  const create = async (): Promise<void> => {
    await redisCli([
      '--cluster',
      'create',
      ...ports.map((port) => `${HOST}:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitHealthy();
  };

  /** Waits until a node other than `oldPort` serves the slots `oldPort` served. */
  const awaitNewOwner = async (slot: number, oldPort: number): Promise<number> => {
    const deadline = Date.now() + settleTimeoutMs;
    for (;;) {
      await waitHealthy().catch(() => {});
      try {
        const owner = await handle.ownerOf(slot);
        if (owner !== oldPort) {
          await waitHealthy();
          return owner;
        }
      } catch {
        // Not decided yet.
      }
      if (Date.now() > deadline) throw new Error(`no replica took over slot ${slot} from ${oldPort}`);
      await sleep(POLL_MS);
    }
  };

  const firstSlotOf = async (port: number): Promise<number> => {
    const node = (await nodes()).find((candidate) => candidate.port === port);
    const first = node?.slots[0]?.[0];
    if (node?.role !== 'master' || first === undefined)
      throw new Error(`node ${port} is not a master with slots`);
    return first;
  };

  /**
   * Cuts the master at `port` off from its replicas for `lagMs`: new connections to it must
   * authenticate from now on (connections already open, the apps' among them, are not affected),
   * so each replica, made to drop its link (`CLIENT KILL TYPE master` on the replica), is refused
   * when it reconnects.
   */
  const cutReplication = async (port: number, lagMs: number): Promise<void> => {
    const id = (await nodes()).find((node) => node.port === port)?.id;
    const replicas = (await nodes()).filter((node) => node.masterId === id && !node.failed);
    await command(port, 'ACL', 'SETUSER', 'default', 'resetpass', '>cut-off-replicas');
    const deadline = Date.now() + settleTimeoutMs;
    for (const replica of replicas) {
      await command(replica.port, 'CLIENT', 'KILL', 'TYPE', 'master');
      while (!(await command(replica.port, 'INFO', 'replication')).includes('master_link_status:down')) {
        if (Date.now() > deadline) throw new Error(`replica ${replica.port} stayed linked to ${port}`);
        await sleep(5);
      }
    }
    await sleep(lagMs);
  };

  let stopped = false;
  const handle: RedisClusterHandle = {
    host: HOST,
    ports,
    startupNodes: ports.map((port) => ({ host: HOST, port })),
    servers,
    command,
    nodes,
    async slotOf(key) {
      return Number(await command(live()[0]!, 'CLUSTER', 'KEYSLOT', key));
    },
    async ownerOf(slot) {
      const owner = (await nodes()).find(
        (node) =>
          node.role === 'master' &&
          !node.failed &&
          node.slots.some(([from, to]) => slot >= from && slot <= to),
      );
      if (owner === undefined) throw new Error(`no live master serves slot ${slot}`);
      return owner.port;
    },
    async failover(port) {
      const slot = await firstSlotOf(port);
      const master = (await nodes()).find((node) => node.port === port)!;
      const replica = (await nodes()).find((node) => node.masterId === master.id && !node.failed);
      if (replica === undefined) throw new Error(`master ${port} has no live replica`);
      await command(replica.port, 'CLUSTER', 'FAILOVER');
      return awaitNewOwner(slot, port);
    },
    async killMaster(port, killOptions = {}) {
      const slot = await firstSlotOf(port);
      const index = ports.indexOf(port);
      if (killOptions.replicaLagMs) await cutReplication(port, killOptions.replicaLagMs);
      dead.add(port);
      servers[index]!.kill('SIGKILL');
      return awaitNewOwner(slot, port);
    },
    async rejoin(port, masterPort) {
      const index = ports.indexOf(port);
      if (index < 0) throw new Error(`no node of this cluster on port ${port}`);
      // Read the cluster before the fresh node is up: it knows nobody but itself.
      const before = await nodes();
      const masterId = before.find((node) => node.port === masterPort && node.role === 'master')?.id;
      if (masterId === undefined) throw new Error(`node ${masterPort} is not a master`);
      // The old node's id is still listed as failed; forget it so the cluster shows one node per port.
      const stale = before.filter((node) => node.port === port);
      await servers[index]!.restart();
      dead.delete(port);
      for (const peer of live().filter((peerPort) => peerPort !== port)) {
        for (const node of stale) await command(peer, 'CLUSTER', 'FORGET', node.id).catch(() => {});
      }
      await command(port, 'CLUSTER', 'MEET', HOST, String(masterPort));
      const deadline = Date.now() + settleTimeoutMs;
      const until = async (what: string, done: () => Promise<boolean>) => {
        for (;;) {
          if (await done().catch(() => false)) return;
          if (Date.now() > deadline)
            throw new Error(`node ${port} did not ${what} within ${settleTimeoutMs} ms`);
          await sleep(POLL_MS);
        }
      };
      // REPLICATE is refused until the node has heard of the master; once accepted, it syncs.
      await until(`accept CLUSTER REPLICATE ${masterPort}`, async () => {
        await command(port, 'CLUSTER', 'REPLICATE', masterId);
        return true;
      });
      await until(`sync from ${masterPort}`, async () =>
        (await command(port, 'INFO', 'replication')).includes('master_link_status:up'),
      );
      await until('become known to every node', async () => {
        for (const peer of live()) {
          const view = parseClusterNodes(await command(peer, 'CLUSTER', 'NODES'));
          if (!view.some((node) => node.port === port && node.role === 'replica' && !node.failed))
            return false;
          if (view.filter((node) => node.port === port).length !== 1) return false;
        }
        return true;
      });
      await waitHealthy();
    },
    async reshard(fromPort, toPort, slots) {
      const all = await nodes();
      const from = all.find((node) => node.port === fromPort);
      const to = all.find((node) => node.port === toPort);
      if (from?.role !== 'master' || to?.role !== 'master') throw new Error('reshard needs two masters');
      await redisCli([
        '--cluster',
        'reshard',
        `${HOST}:${toPort}`,
        '--cluster-from',
        from.id,
        '--cluster-to',
        to.id,
        '--cluster-slots',
        String(slots),
        '--cluster-yes',
        '--cluster-pipeline',
        '100',
      ]);
      await waitHealthy();
    },
    async lowestSlots(port, count) {
      const node = (await nodes()).find((candidate) => candidate.port === port);
      const result: number[] = [];
      for (const [from, to] of [...(node?.slots ?? [])].sort((a, b) => a[0] - b[0])) {
        for (let slot = from; slot <= to && result.length < count; slot += 1) result.push(slot);
      }
      return result;
    },
    async restart() {
      if (stopped) throw new Error('this cluster was stopped; start a new one');
      dead.clear();
      await Promise.all(servers.map((server) => server.restart()));
      await create();
    },
    waitHealthy,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(servers.map((server) => server.stop()));
    },
  };

  try {
    await create();
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}
