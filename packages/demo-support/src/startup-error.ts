/**
 * A problem the operator can fix (bad environment, unreachable Redis, busy port). `runMain`
 * prints its message alone — no stack trace — and exits with status 1.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/**
 * Runs an app's `main`. A `StartupError` becomes one `error: …` line on stderr and exit code 1;
 * anything else is a bug and keeps its stack trace (also exit code 1).
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof StartupError) {
      process.stderr.write(`error: ${error.message}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  });
}
