import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tarball } from './pack.ts';
import { runOk } from './run.ts';

/**
 * Optional peers the project leaves out, and why: the examples must work without them, as the
 * READMEs say. better-sqlite3 is also a native build; without it the SQLite store uses node:sqlite.
 */
const LEFT_OUT = new Map([['better-sqlite3', 'optional: the SQLite example runs on node:sqlite']]);

/** Types a TypeScript user adds by hand, as the READMEs say. */
const TYPES = ['@types/node', '@types/express'];

export interface Project {
  readonly dir: string;
  /** name → version of what was installed from the npm registry. */
  readonly fromRegistry: Readonly<Record<string, string>>;
  readonly leftOut: ReadonlyMap<string, string>;
}

/**
 * A new npm project outside the workspace with every tarball and, from the npm registry, their
 * peers at the versions the workspace tests with. npm's own cache (~/.npm) makes later runs fast.
 */
export async function installProject(
  dir: string,
  tarballs: readonly Tarball[],
  root: string,
): Promise<Project> {
  const fromRegistry: Record<string, string> = {};
  const ours = new Set(tarballs.map((tarball) => tarball.name));
  for (const tarball of tarballs) {
    const manifest = readManifest(tarball.dir);
    for (const peer of Object.keys(manifest.peerDependencies ?? {})) {
      if (ours.has(peer) || LEFT_OUT.has(peer)) continue;
      fromRegistry[peer] = pinnedVersion(peer, manifest, root);
    }
  }
  const rootManifest = readManifest(root);
  for (const name of TYPES)
    fromRegistry[name] = pinnedVersion(name, rootManifest, join(root, 'packages/express'));
  const dependencies: Record<string, string> = { ...fromRegistry };
  for (const tarball of tarballs) dependencies[tarball.name] = `file:${tarball.file}`;
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'package-check-project', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'es2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          verbatimModuleSyntax: true,
          types: ['node'],
          // As `tsc --init` sets it; the examples' own code is still checked strictly.
          skipLibCheck: true,
        },
        include: ['*.ts'],
      },
      null,
      2,
    )}\n`,
  );
  // `http` logs each registry fetch, so a run that times out shows why (a proxy's TLS, a dead mirror).
  await runOk('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=http'], {
    cwd: dir,
    // On a fresh machine npm's cache is empty: every package comes from the registry, while the
    // other test tasks keep both cores busy. Seconds on a warm cache; minutes are possible cold.
    timeoutMs: 480_000,
  });
  return { dir, fromRegistry, leftOut: LEFT_OUT };
}

interface Manifest {
  readonly peerDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** The exact version the package (or else `fallbackDir`'s package) tests against. */
function pinnedVersion(name: string, manifest: Manifest, fallbackDir: string): string {
  const pinned = manifest.devDependencies?.[name] ?? readManifest(fallbackDir).devDependencies?.[name];
  if (pinned === undefined || !/^\d/.test(pinned)) {
    throw new Error(
      `${name}: pin it as an exact devDependency next to the peer, so the check installs what tests ran`,
    );
  }
  return pinned;
}
