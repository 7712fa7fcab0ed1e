import { join } from 'node:path';
import type { Tarball } from './pack.ts';
import { run } from './run.ts';

/** The CLI of a pinned devDependency of this package. */
const bin = (name: string): string => join(import.meta.dirname, '../node_modules/.bin', name);

export interface LintResult {
  readonly tool: string;
  readonly ok: boolean;
  readonly output: string;
}

/** `publint --strict` on the tarball itself: warnings count as errors. */
export async function publint(tarball: Tarball): Promise<LintResult> {
  const done = await run(bin('publint'), ['run', tarball.file, '--strict'], {
    timeoutMs: 60_000,
  });
  return { tool: 'publint --strict', ok: done.code === 0, output: `${done.stdout}${done.stderr}`.trim() };
}

/** Are the Types Wrong, for an ESM-only package: every entry resolves to types under node16 and bundler. */
export async function attw(tarball: Tarball): Promise<LintResult> {
  const done = await run(
    bin('attw'),
    [tarball.file, '--profile', 'esm-only', '--format', 'table-flipped', '--no-color', '--no-emoji'],
    { timeoutMs: 120_000 },
  );
  return {
    tool: 'attw --profile esm-only',
    ok: done.code === 0,
    output: `${done.stdout}${done.stderr}`.trim(),
  };
}
