import type { CloudEventJson } from './cloudevent-frame.ts';

/** One event as the page keeps it on the device. */
export interface StoredEvent {
  /** The stream cursor: the key, so an event stored twice is still one record. */
  readonly cursor: string;
  /** Arrival order on this device (cursors are opaque and do not sort). */
  readonly order: number;
  readonly event: CloudEventJson;
  readonly receivedAt: number;
}

export interface LoadedHistory {
  /** The newest `cap` events, oldest first. */
  readonly events: readonly StoredEvent[];
  /** The cursor of the newest stored event: where the stream resumes. */
  readonly lastCursor: string | undefined;
}

export interface EventStore {
  load(): Promise<LoadedHistory>;
  /**
   * Queues an event, as the JSON text it came in (a string is far cheaper for IndexedDB to copy
   * than the object); it is written in the background, batched with its neighbours.
   */
  add(cursor: string, json: string, receivedAt: number): void;
  /** Forgets every stored event (a `reset` said the server's log is another one). */
  clear(): Promise<void>;
  /** Keeps at most `cap` events; the oldest go first. */
  setCap(cap: number): void;
  /** Events on the device after the latest write. */
  readonly stored: number;
}

const DB_NAME = 'cloudevents-player';
const EVENTS = 'events';
const META = 'meta';
const STATE_KEY = 'state';
/** Writes wait this long to gather a burst into one transaction. */
const WRITE_DELAY_MS = 50;
const MAX_PER_WRITE = 150;

/** A record as IndexedDB holds it. */
interface StoredRecord {
  readonly cursor: string;
  readonly order: number;
  readonly json: string;
  readonly receivedAt: number;
}

interface State {
  lastCursor: string | undefined;
  nextOrder: number;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/**
 * Opens the page's IndexedDB history. Every write is asynchronous and batched (the stream never
 * waits for the disk); the newest event's cursor is written in the same transaction as the
 * events, so a reopened page resumes exactly after what it holds. `onError` hears about
 * failures (quota, a blocked database); the page goes on with what it has in memory.
 */
export async function openEventStore(
  cap: number,
  onError: (error: unknown) => void,
  /** After each write, with the number of events now stored. */
  onWritten: (stored: number) => void,
): Promise<EventStore> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => {
      const events = open.result.createObjectStore(EVENTS, { keyPath: 'cursor' });
      events.createIndex('order', 'order', { unique: true });
      open.result.createObjectStore(META);
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
    open.onblocked = () => reject(new Error('the history database is open in an older version of this page'));
  });
  let state: State = { lastCursor: undefined, nextOrder: 0 };
  let stored = 0;
  let pending: StoredRecord[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();

  async function write(batch: StoredRecord[], limit: number): Promise<void> {
    const tx = db.transaction([EVENTS, META], 'readwrite');
    const events = tx.objectStore(EVENTS);
    for (const record of batch) events.put(record);
    tx.objectStore(META).put(state, STATE_KEY);
    const count = await request(events.count());
    let excess = count - limit;
    if (excess > 0) {
      // Oldest first by arrival order, inside the same transaction as the writes.
      await new Promise<void>((resolve, reject) => {
        const walk = events.index('order').openCursor();
        walk.onerror = () => reject(walk.error);
        walk.onsuccess = () => {
          const cursor = walk.result;
          if (!cursor || excess <= 0) return resolve();
          cursor.delete();
          excess--;
          cursor.continue();
        };
      });
    }
    await done(tx);
    stored = Math.min(count, limit);
    onWritten(stored);
  }

  function schedule(): void {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      // One bounded transaction per tick: a burst becomes several short tasks, not one long one.
      const batch = pending.splice(0, MAX_PER_WRITE);
      if (pending.length > 0) schedule();
      writing = writing.then(() => write(batch, cap)).catch(onError);
    }, WRITE_DELAY_MS);
  }

  return {
    async load() {
      const tx = db.transaction([EVENTS, META], 'readonly');
      const saved = (await request(tx.objectStore(META).get(STATE_KEY))) as State | undefined;
      if (saved) state = { ...saved };
      const newest: StoredEvent[] = [];
      await new Promise<void>((resolve, reject) => {
        const walk = tx.objectStore(EVENTS).index('order').openCursor(null, 'prev');
        walk.onerror = () => reject(walk.error);
        walk.onsuccess = () => {
          const cursor = walk.result;
          if (!cursor || newest.length >= cap) return resolve();
          const record = cursor.value as StoredRecord;
          try {
            newest.push({ ...record, event: JSON.parse(record.json) as CloudEventJson });
          } catch {
            // A record this page did not write: skipped, the stream has the event if it still matters.
          }
          cursor.continue();
        };
      });
      stored = await request(tx.objectStore(EVENTS).count());
      newest.reverse();
      return { events: newest, lastCursor: state.lastCursor };
    },
    add(cursor, json, receivedAt) {
      pending.push({ cursor, order: state.nextOrder++, json, receivedAt });
      state.lastCursor = cursor;
      schedule();
    },
    async clear() {
      pending = [];
      state = { lastCursor: undefined, nextOrder: state.nextOrder };
      const cleared = writing.then(async () => {
        const tx = db.transaction([EVENTS, META], 'readwrite');
        tx.objectStore(EVENTS).clear();
        tx.objectStore(META).put(state, STATE_KEY);
        await done(tx);
        stored = 0;
        onWritten(stored);
      });
      writing = cleared.catch(onError);
      await writing;
    },
    setCap(next) {
      cap = next;
      // Applied with the next write; an empty one prunes now.
      schedule();
    },
    get stored() {
      return stored;
    },
  };
}
