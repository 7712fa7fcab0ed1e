/**
 * The live heap of another Node process, measured after a full garbage collection: the process
 * runs with `--heapsnapshot-signal=SIGUSR2`, and on the signal V8 collects garbage and writes a
 * snapshot into the process's working directory; the sum of every node's `self_size` is the
 * memory still reachable. Unlike RSS, it does not move with when the collector happens to run,
 * so "the heap did not grow with the number of requests" becomes a precise check.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '@resumable-sse/testkit/http';

/** Add to the child's `NODE_OPTIONS`. */
export const HEAP_SNAPSHOT_OPTION = '--heapsnapshot-signal=SIGUSR2';

interface SnapshotFile {
  snapshot: { meta: { node_fields: string[] }; node_count: number };
  nodes: number[];
}

/** Signals `pid`, waits for its snapshot in `dir`, and returns the live heap in bytes. */
export async function liveHeapBytes(pid: number, dir: string, timeoutMs = 30_000): Promise<number> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  let file: string | undefined;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(100);
    file ??= readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    if (size > 0 && size === lastSize) {
      try {
        const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as SnapshotFile;
        rmSync(join(dir, file));
        return sumSelfSizes(parsed);
      } catch {
        // Still being written.
      }
    }
    lastSize = size;
  }
  throw new Error(`no heap snapshot from pid ${pid} within ${timeoutMs} ms`);
}

function sumSelfSizes(parsed: SnapshotFile): number {
  const fields = parsed.snapshot.meta.node_fields;
  const width = fields.length;
  const offset = fields.indexOf('self_size');
  let total = 0;
  for (let index = offset; index < parsed.nodes.length; index += width) total += parsed.nodes[index]!;
  return total;
}
