/**
 * A separate process that claims stale streams in a loop until it reads a line on stdin, then
 * prints the ids it claimed as JSON. Run by the cross-process claim test with
 * `node --conditions=@resumable-sse/source`.
 */
import type { SqliteDriverName } from '../driver/types.ts';
import { sqliteLifecycle } from './sqlite-lifecycle.ts';

const [file, driver, thresholdMs] = process.argv.slice(2);
const store = sqliteLifecycle({ path: file, driver: driver as SqliteDriverName });
const claimed: string[] = [];
let stopping = false;
process.stdin.once('data', () => {
  stopping = true;
});
const claim = async () => {
  for (const record of await store.claimStale(Number(thresholdMs))) claimed.push(record.streamId);
};
process.stdout.write('ready\n');
while (!stopping) {
  await claim();
  await new Promise((resolve) => setImmediate(resolve));
}
await claim();
await store.close();
process.stdout.write(`${JSON.stringify(claimed)}\n`, () => process.exit(0));
