import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

const PRODUCER = fileURLToPath(new URL('./spotlight-producer.ts', import.meta.url));
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The UI reports to sentry.io and loads fonts from the web: nothing may leave this machine. */
export async function blockNonLoopback(context: BrowserContext): Promise<string[]> {
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (LOOPBACK.has(url.hostname)) return route.continue();
    blocked.push(url.origin);
    return route.abort();
  });
  return blocked;
}

/** Runs the showcase producer (error + attachment, message, logs, transaction) to completion. */
export async function produceShowcase(sidecarPort: number): Promise<void> {
  const child = spawn(process.execPath, [PRODUCER], {
    env: { ...process.env, SPOTLIGHT_URL: `http://localhost:${sidecarPort}/stream`, PRODUCE: 'showcase' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the Sentry producer failed (${code}):\n${output}`);
}

/** A producer sending `Steady error <n>` every `intervalMs` until `stop()`. */
export function startSteadyProducer(sidecarPort: number, intervalMs: number) {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(process.execPath, [PRODUCER], {
    env: {
      ...process.env,
      SPOTLIGHT_URL: `http://localhost:${sidecarPort}/stream`,
      PRODUCE: 'steady',
      STEADY_INTERVAL_MS: String(intervalMs),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let sent = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/sent (\d+)/g)) sent = Number(match[1]);
  });
  child.stderr.resume();
  return {
    sent: () => sent,
    /** One error a second (the SDK stops posting to Spotlight after four failures in a row). */
    slow: () => child.stdin.write('slow\n'),
    fast: () => child.stdin.write('fast\n'),
    /** No errors until `slow` or `fast`: the restart may take as long as it takes. */
    pause: () => child.stdin.write('pause\n'),
    async stop(): Promise<void> {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

/** The numbers n of the `Steady error <n>` rows the Errors panel shows. */
export async function steadyErrorsShown(page: Page): Promise<number[]> {
  // biome-ignore lint/performance/useDomNodeTextContent: rendered rows, not hidden text
  const text = await page.locator('body').innerText();
  return [...text.matchAll(/Steady error (\d+)/g)].map((match) => Number(match[1]));
}
