import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LaunchedChromium, launchChromium } from '@resumable-sse/browser-harness';
import { freePort, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIDECAR_ENTRY } from './test-support/envelopes.ts';
import { replayStream } from './test-support/read-stream.ts';
import {
  blockNonLoopback,
  produceShowcase,
  startSteadyProducer,
  steadyErrorsShown,
} from './test-support/spotlight-ui.ts';

/** Saved on every run (git ignores it); `UPDATE_DOCS_SCREENSHOT=1` also refreshes the docs copy. */
const SCREENSHOT = fileURLToPath(new URL('../test-results/spotlight-ui.png', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/spotlight-ui.png', import.meta.url));

let browser: LaunchedChromium;
let blocked: string[];
let scratch: string;
const apps: RunningApp[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'telemetry-spotlight-ui-'));
  browser = await launchChromium();
  blocked = await blockNonLoopback(browser.context);
  await browser.page.setViewportSize({ width: 1100, height: 2400 });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop('SIGKILL')));
});
afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function start(env: Record<string, string>, port: number): Promise<RunningApp> {
  const app = await startApp({ entry: SIDECAR_ENTRY, env, port });
  apps.push(app);
  return app;
}

// What the UI shows (innerText leaves out what is hidden), not every text node in the DOM.
// biome-ignore lint/performance/useDomNodeTextContent: rendered text is what is asserted
const body = () => browser.page.locator('body').innerText();

describe('the real Spotlight UI (@spotlightjs/spotlight) served by this sidecar', () => {
  it('shows errors with source lines and an attachment, logs, a transaction and the envelopes; Clear Events holds across a reload', async () => {
    const { page } = browser;
    const port = await freePort();
    const app = await start({ STORE: 'sqlite', SQLITE_PATH: join(scratch, 'showcase.db') }, port);
    // As Spotlight's CLI prints it: the UI then finds the sidecar at http://localhost:<port>.
    const ui = `http://localhost:${port}`;
    await page.goto(`${ui}/`);
    await page.getByText('Connected to Sidecar').waitFor();

    await produceShowcase(port);

    await page.getByRole('link', { name: /^Errors/ }).click();
    await page.getByText('card for order 17 was declined').waitFor();
    await page.getByText('Checkout finished').waitFor();
    await page.getByText('card for order 17 was declined').click();
    // Source lines come from PUT /contextlines (the producer has no ContextLines integration).
    await page
      .getByText(/throw new TypeError\(`card for order \$\{orderId\} was declined`\);/)
      .first()
      .waitFor();
    await page.getByText('Context', { exact: true }).click();
    await page.getByText('Attachments', { exact: true }).waitFor();
    await page.getByText('order-17.json').first().waitFor();

    await page.getByRole('link', { name: /^Logs/ }).click();
    await page.getByText('Order 17 shipped to warehouse').waitFor();
    await page.getByText('Inventory low for SKU-9').waitFor();

    await page.getByRole('link', { name: /^Traces/ }).click();
    await page.getByText('GET /orders/17').waitFor();
    expect(await body()).toContain('2 spans, 1 txns');

    await page.getByRole('link', { name: /^Envelopes/ }).click();
    const { envelopes } = await replayStream(app.url, {});
    await expect.poll(async () => (await body()).match(/Envelope Id/g)?.length ?? 0).toBe(envelopes.length);
    expect(await body()).toContain('event,attachment');
    expect(await body()).toContain('log');
    await page.screenshot({ path: SCREENSHOT });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      await page.setViewportSize({ width: 1100, height: 620 });
      await page.getByRole('link', { name: /^Errors/ }).click();
      await page.getByText('card for order 17 was declined').click();
      await page.getByText('throw new TypeError').first().waitFor();
      await page.screenshot({ path: DOCS_SCREENSHOT });
      await page.setViewportSize({ width: 1100, height: 2400 });
    }

    await page.getByRole('link', { name: /^Errors/ }).click();
    await page.getByText('Clear Events').click();
    await expect.poll(body).not.toContain('card for order 17 was declined');
    await page.reload();
    await page.getByText('Connected to Sidecar').waitFor();
    // Given time to replay: nothing from before the clear comes back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const afterReload = await body();
    for (const old of ['card for order 17 was declined', 'Checkout finished'])
      expect(afterReload).not.toContain(old);
    await page.getByRole('link', { name: /^Logs/ }).click();
    expect(await body()).not.toContain('Order 17 shipped to warehouse');
    expect((await replayStream(app.url, {})).envelopes).toEqual([]);
    expect(blocked.every((origin) => !origin.includes('localhost') && !origin.includes('127.0.0.1'))).toBe(
      true,
    );
  });

  it('shows every accepted error exactly once across a sidecar SIGKILL restart while the SDK keeps sending', async () => {
    const { page } = browser;
    const port = await freePort();
    const env = { STORE: 'sqlite', SQLITE_PATH: join(scratch, 'restart.db'), HEARTBEAT_MS: '1000' };
    let app = await start(env, port);
    await page.goto(`http://localhost:${port}/telemetry/errors`);
    await page.getByText('Connected to Sidecar').waitFor();

    const producer = startSteadyProducer(port, 100);
    await expect.poll(producer.sent, { timeout: 10_000 }).toBeGreaterThanOrEqual(15);
    producer.slow();
    const sentBeforeKill = producer.sent();
    await app.stop('SIGKILL');
    // A post fails while the sidecar is down (more than three in a row and the SDK gives up).
    await expect.poll(producer.sent, { timeout: 10_000 }).toBeGreaterThan(sentBeforeKill + 1);
    producer.pause();
    app = await start(env, port);
    producer.fast();
    const resumedAt = producer.sent();
    // 20 after the restart: the one or two the SDK had in flight at the SIGKILL are never
    // accepted, and at least 30 must be.
    await expect.poll(producer.sent, { timeout: 10_000 }).toBeGreaterThanOrEqual(resumedAt + 20);
    await producer.stop();

    // Accepted: what the sidecar stored (the SDK drops what it sent while the sidecar was down).
    const { envelopes } = await replayStream(app.url, {});
    const accepted = envelopes
      .map((envelope) => JSON.stringify(envelope).match(/Steady error (\d+)/)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    expect(accepted.length).toBeGreaterThanOrEqual(30);

    const shownSorted = async () => (await steadyErrorsShown(page)).sort((a, b) => a - b);
    await expect.poll(shownSorted, { timeout: 15_000 }).toEqual(accepted);
    const live = await steadyErrorsShown(page);
    expect(new Set(live).size).toBe(live.length);

    await page.reload();
    await page.getByText('Connected to Sidecar').waitFor();
    await expect.poll(shownSorted, { timeout: 15_000 }).toEqual(accepted);
    console.log(
      `restart scenario: sent ${producer.sent()}, accepted ${accepted.length}, shown live ${live.length}, shown after reload ${(await steadyErrorsShown(page)).length}`,
    );
  });
});
