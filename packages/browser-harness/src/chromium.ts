/**
 * Real headless Chromium for browser tests: Debian's `chromium` (or `CHROMIUM_PATH`), driven by
 * `playwright-core`. Never a downloaded browser. Every launch gets its own profile directory,
 * removed again by `close()`.
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export interface LaunchedChromium {
  readonly context: BrowserContext;
  /** The context's first tab. */
  readonly page: Page;
  /** Closes the browser and deletes its profile. Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium with a fresh persistent profile (so `sessionStorage`, cookies and reloads
 * behave as in a real browser). Fails with instructions when the binary is missing.
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  const executablePath = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}. Run the test command from the repository root ` +
        "(`./scripts/pnpm test`, which installs Debian's chromium through " +
        'scripts/provision-test-services.mjs), or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  const profile = await mkdtemp(join(tmpdir(), 'resumable-sse-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  let closing: Promise<void> | undefined;
  return {
    context,
    page,
    close() {
      closing ??= (async () => {
        try {
          await context.close();
        } finally {
          await rm(profile, { recursive: true, force: true });
        }
      })();
      return closing;
    },
  };
}
