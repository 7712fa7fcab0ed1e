/**
 * A separate Node process appending to a SQLite file, for the multi-process tests. Run with
 * `node --conditions=@resumable-sse/source append-child.ts '<json args>'`. Prints `ready` once the
 * store is open, waits for a line on stdin, appends, then prints the offsets it got as JSON.
 */
import { createInterface } from 'node:readline';
import type { SqliteDriverName } from '../driver/types.ts';
import { sqliteStore } from '../sqlite-store.ts';

interface ChildArgs {
  readonly driver: SqliteDriverName;
  readonly file: string;
  readonly stream: string;
  readonly count: number;
  readonly label: string;
  /** Pause between appends; without one the yield is a single event-loop turn. */
  readonly pauseMs?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const store = sqliteStore({ path: args.file, driver: args.driver });
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();

const offsets: number[] = [];
for (let index = 1; index <= args.count; index += 1) {
  const [result] = await store.append(args.stream, [{ event: args.label, data: `${args.label}-${index}` }]);
  offsets.push(result?.offset ?? -1);
  // Yield so the other process gets the write lock in between: interleaving is the point.
  await new Promise((resolve) =>
    args.pauseMs === undefined ? setImmediate(resolve) : setTimeout(resolve, args.pauseMs),
  );
}
await store.close();
process.stdout.write(`${JSON.stringify({ offsets })}\n`);
