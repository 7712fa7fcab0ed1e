/**
 * The packaging check: what an npm user gets, tested as they would use it. Packs every public
 * package, installs the tarballs with npm into a project outside the workspace, type-checks each
 * README's first example with the workspace's TypeScript and runs it against a real server,
 * and runs publint --strict and attw on each tarball. Exits non-zero on any failure.
 *
 * `PACKAGE_CHECK_KEEP=1` keeps the temporary project for a look after a failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DRIVERS, exampleFileName } from './examples.ts';
import { attw, type LintResult, publint } from './lint.ts';
import { pack, type Tarball, testFilesIn } from './pack.ts';
import { installProject } from './project.ts';
import { publicPackages } from './public-packages.ts';
import { examples, firstExample } from './readme-example.ts';
import { run } from './run.ts';

const root = resolve(import.meta.dirname, '../../..');
const started = performance.now();
const failures: string[] = [];
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const log = (line: string): void => console.log(line);

/** Runs at most `limit` of the tasks at once (two cores are shared with the rest of the test run). */
async function limited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const work = mkdtempSync(join(tmpdir(), 'resumable-sse-package-check-'));
try {
  const packages = publicPackages(root);
  for (const pkg of packages) {
    if (DRIVERS[pkg.name] === undefined)
      failures.push(`${pkg.name}: no README example driver in package-check/src/examples.ts`);
  }

  const tarballDir = join(work, 'tarballs');
  mkdirSync(tarballDir);
  const tarballs = await limited(packages, 2, (pkg) => pack(pkg, tarballDir));
  log(`packed ${tarballs.length} packages (${elapsed()})\n`);
  for (const tarball of tarballs) reportTarball(tarball);

  const lints = limited(
    tarballs,
    2,
    async (tarball) => [tarball, await publint(tarball), await attw(tarball)] as const,
  );
  // Awaited at the end; a failure before that must not surface as an unhandled rejection.
  lints.catch(() => undefined);

  const projectDir = join(work, 'project');
  mkdirSync(projectDir);
  const project = await installProject(projectDir, tarballs, root);
  log(`installed the tarballs with npm into ${projectDir} (${elapsed()})`);
  log(
    `  from the registry: ${Object.entries(project.fromRegistry)
      .map(([name, version]) => `${name}@${version}`)
      .join(', ')}`,
  );
  for (const [name, reason] of project.leftOut) log(`  left out: ${name} (${reason})`);

  const files = new Map<string, string>();
  for (const tarball of tarballs) {
    const file = join(projectDir, exampleFileName(tarball.name));
    writeFileSync(file, firstExample(tarball.dir));
    files.set(tarball.name, file);
  }
  // The testkit's README proves a framework adapter in its second example: that one runs too.
  const testkit = tarballs.find((tarball) => tarball.name === '@resumable-sse/testkit');
  if (testkit !== undefined) {
    writeFileSync(join(projectDir, 'testkit-adapter.example.test.ts'), examples(testkit.dir)[1] ?? '');
  }
  const tsc = await run(join(root, 'node_modules/.bin/tsc'), ['-p', join(projectDir, 'tsconfig.json')], {
    cwd: projectDir,
    timeoutMs: 60_000,
  });
  if (tsc.code === 0)
    log(`\ntype-checked ${files.size} README examples with tsc ${await tscVersion()}, strict (${elapsed()})`);
  else failures.push(`README examples do not type-check:\n${tsc.stdout}${tsc.stderr}`);

  log('\nREADME examples, run against real servers:');
  for (const tarball of tarballs) {
    const driver = DRIVERS[tarball.name];
    const file = files.get(tarball.name);
    if (driver === undefined || file === undefined) continue;
    const exampleOf = (name: string): string => {
      const other = files.get(name);
      if (other === undefined) throw new Error(`no example of ${name}`);
      return other;
    };
    try {
      const summary = await driver({ project: projectDir, file, exampleOf });
      log(`  ok   ${tarball.name}: ${summary}`);
    } catch (error) {
      log(`  FAIL ${tarball.name}`);
      failures.push(
        `${tarball.name} README example: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  log('\npublint --strict and attw --profile esm-only on each tarball:');
  for (const [tarball, ...results] of await lints) {
    log(`  ${results.every((result) => result.ok) ? 'ok  ' : 'FAIL'} ${tarball.name}`);
    for (const result of results) if (!result.ok) failures.push(lintFailure(tarball, result));
  }
} catch (error) {
  failures.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  if (process.env.PACKAGE_CHECK_KEEP === '1') log(`\nkept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\npackaging check failed (${elapsed()}):\n\n${failures.join('\n\n')}`);
  process.exit(1);
}
log(`\npackaging check passed (${elapsed()})`);

function reportTarball(tarball: Tarball): void {
  log(
    `${tarball.name}@${tarball.version}  ${(tarball.size / 1024).toFixed(1)} kB packed, ${tarball.files.length} files`,
  );
  log(`  ${tarball.files.join('\n  ')}`);
  const tests = testFilesIn(tarball);
  if (tests.length > 0) failures.push(`${tarball.name} ships test code: ${tests.join(', ')}`);
  if (!tarball.files.includes('LICENSE')) failures.push(`${tarball.name} ships no LICENSE`);
}

function lintFailure(tarball: Tarball, result: LintResult): string {
  return `${tarball.name}: ${result.tool} failed\n${result.output}`;
}

async function tscVersion(): Promise<string> {
  const version = await run(join(root, 'node_modules/.bin/tsc'), ['--version'], { timeoutMs: 10_000 });
  return version.stdout.trim().replace(/^Version /, '');
}
