/**
 * What every Node sink of the process shares per tick: one `process.nextTick` that hands all the
 * tick's batches to their responses, and one concatenation for the sockets that are due the same
 * frames. On a busy stream every subscriber is due the same run of frames each tick; copying that
 * run once per socket, and queueing one tick callback per socket, were most of what a delivery
 * cost beyond the write itself.
 */

/** A sink with frames waiting for the end of the tick. */
export interface TickFlushable {
  flush(): void;
  /** Ends this connection alone when its flush threw. */
  abort(): void;
}

let due: TickFlushable[] = [];

/** Queues `sink` to be flushed before any I/O of this tick; each sink calls it once per batch. */
export function flushAtTickEnd(sink: TickFlushable): void {
  if (due.length === 0) process.nextTick(flushDue);
  due.push(sink);
}

function flushDue(): void {
  // Sinks that write while this runs (a drain callback, say) queue for a tick of their own.
  const sinks = due;
  due = [];
  for (const sink of sinks) {
    try {
      sink.flush();
    } catch {
      // One response that cannot take its frames (a throwing `flush` from middleware, say)
      // ends that connection; it resumes with its cursor, and the other sockets get theirs.
      try {
        sink.abort();
      } catch {
        // A response that cannot even be destroyed must still not hold up the others.
      }
    }
  }
}

/** The last run of frames concatenated this tick, and its bytes. */
let sharedFrames: readonly Uint8Array[] | null = null;
let sharedBytes: Uint8Array | null = null;

/**
 * `frames` as one buffer; when the previous call this tick had the very same frames (the same
 * arrays, in the same order), its buffer again. Writes never modify a chunk, so sockets may share one.
 */
export function concatFrames(frames: readonly Uint8Array[], byteLength: number): Uint8Array {
  const previous = sharedFrames;
  if (previous !== null && sameFrames(previous, frames)) return sharedBytes!;
  const bytes = Buffer.concat(frames, byteLength);
  if (previous === null) setImmediate(forgetShared);
  sharedFrames = frames;
  sharedBytes = bytes;
  return bytes;
}

function sameFrames(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Drops the shared buffer once the tick's flushes are done, so it is not held while idle. */
function forgetShared(): void {
  sharedFrames = null;
  sharedBytes = null;
}
