import type { PublicPackage } from './public-packages.ts';
import { runOk } from './run.ts';

export interface Tarball {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly file: string;
  /** Bytes of the .tgz. */
  readonly size: number;
  readonly files: readonly string[];
}

/**
 * `pnpm pack` of one package: what `pnpm publish` uploads, with `workspace:` ranges replaced by
 * versions. Its `prepack` build is skipped: the turbo task has built every package already.
 */
export async function pack(pkg: PublicPackage, destination: string): Promise<Tarball> {
  const args = ['--config.ignore-scripts=true', 'pack', '--pack-destination', destination, '--json'];
  const { stdout } = await runOk('pnpm', args, {
    cwd: pkg.dir,
    timeoutMs: 60_000,
  });
  const packed = JSON.parse(stdout) as { filename: string; size: number; files: { path: string }[] };
  return {
    ...pkg,
    file: packed.filename,
    size: packed.size,
    files: packed.files.map((file) => file.path).sort(),
  };
}

/** Files a published package must never hold: tests, their helpers and workers. */
export function testFilesIn(tarball: Tarball): string[] {
  return tarball.files.filter((path) => /(^|\/)test-support\/|\.test\.|\.test-[^/]*$/.test(path));
}
