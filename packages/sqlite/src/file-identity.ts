import { statSync } from 'node:fs';

/**
 * Which file a path names right now (device and inode). An open SQLite connection keeps writing to
 * the file it opened even after that file was deleted or replaced by another at the same path, so
 * comparing this with the value taken at open time is how the store notices a lost log.
 */
export function fileIdentity(filename: string): string | undefined {
  if (filename === '' || filename === ':memory:') return undefined;
  const stats = statSync(filename, { throwIfNoEntry: false, bigint: true });
  return stats === undefined ? 'missing' : `${stats.dev}:${stats.ino}`;
}
