import { createHub, type Hub, memoryStore } from '@resumable-sse/core';
import type { LifecycleStore } from '@resumable-sse/core/lifecycle';
import { ManualClock } from '../store/manual-clock.ts';
import { sleep } from '../store/wait.ts';
import type { LifecycleSuiteSetup } from './types.ts';

/** Real-time margin added when the store cannot take the suite's clock. */
const REAL_TIME_MARGIN_MS = 80;

/** Per-case helpers shared by the case files. */
export class LifecycleContext {
  readonly setup: LifecycleSuiteSetup;
  readonly injectableClock: boolean;
  readonly ttlFollowsClock: boolean;
  readonly sharedBacking: boolean;
  clock = new ManualClock();
  readonly #stores: LifecycleStore[] = [];
  readonly #hubs: Hub[] = [];
  readonly #cleanups: Array<() => unknown> = [];
  readonly #runId = Math.random().toString(36).slice(2, 8);
  #count = 0;

  constructor(setup: LifecycleSuiteSetup) {
    this.setup = setup;
    this.injectableClock = setup.capabilities?.injectableClock === true;
    this.ttlFollowsClock = this.injectableClock && setup.capabilities?.ttlFollowsClock === true;
    this.sharedBacking = setup.capabilities?.sharedBacking === true;
  }

  async create(options: { recordTtlMs?: number } = {}): Promise<LifecycleStore> {
    const store = await this.setup.create({ now: this.clock.now, ...options });
    this.#stores.push(store);
    return store;
  }

  /** A second store on the same backing (another process), or `store` itself when nothing is shared. */
  async other(store: LifecycleStore, options: { recordTtlMs?: number } = {}): Promise<LifecycleStore> {
    return this.sharedBacking ? this.create(options) : store;
  }

  /** A hub over a fresh memory event log: the lifecycle store is the subject, not the events. */
  hub(): Hub {
    const hub = createHub({ store: memoryStore() });
    this.#hubs.push(hub);
    return hub;
  }

  /** Runs `cleanup` after the case (stop a guardian, cancel a job). */
  defer(cleanup: () => unknown): void {
    this.#cleanups.push(cleanup);
  }

  /** A stream id no other case or earlier run on the same backing uses. */
  id(label: string): string {
    this.#count += 1;
    return `lc-${this.#runId}-${this.#count}-${label}`;
  }

  owner(label = 'owner'): string {
    this.#count += 1;
    return `${label}-${this.#runId}-${this.#count}`;
  }

  /** The store's notion of now. */
  now(): number {
    return this.injectableClock ? this.clock.now() : Date.now();
  }

  /** A heartbeat threshold: the production default on a manual clock, short in real time. */
  get thresholdMs(): number {
    return this.injectableClock ? 30_000 : 300;
  }

  /** A retention short enough to wait for in real time, roomy on a manual clock. */
  get ttlMs(): number {
    return this.ttlFollowsClock ? 300_000 : 1_000;
  }

  /** Lets `ms` pass for record times (heartbeats, staleness). */
  async passTime(ms: number): Promise<void> {
    if (this.injectableClock) this.clock.advance(ms);
    else await sleep(ms + REAL_TIME_MARGIN_MS);
  }

  /** Lets `ms` pass for retention (completion and record TTLs). */
  async passTtl(ms: number): Promise<void> {
    if (this.ttlFollowsClock) this.clock.advance(ms);
    else await sleep(ms + REAL_TIME_MARGIN_MS);
  }

  async closeAll(): Promise<void> {
    for (const cleanup of this.#cleanups.splice(0).reverse()) await cleanup();
    const hubs = this.#hubs.splice(0);
    await Promise.allSettled(
      hubs.map(async (hub) => {
        await hub.close();
        await hub.store.close();
      }),
    );
    const stores = this.#stores.splice(0);
    this.clock = new ManualClock();
    await Promise.allSettled(stores.map((store) => store.close()));
  }
}
