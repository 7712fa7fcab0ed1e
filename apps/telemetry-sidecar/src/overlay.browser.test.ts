import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LaunchedChromium, launchChromium } from '@resumable-sse/browser-harness';
import { freePort, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newEventId, postEnvelope, SIDECAR_ENTRY, variedEnvelope } from './test-support/envelopes.ts';

/** Saved on every run (git ignores it); `UPDATE_DOCS_SCREENSHOT=1` also refreshes docs/screenshot.png. */
const SCREENSHOT = fileURLToPath(new URL('../test-results/overlay.png', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));

let browser: LaunchedChromium;
let scratch: string;
const apps: RunningApp[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'telemetry-overlay-'));
  browser = await launchChromium();
  await browser.page.setViewportSize({ width: 880, height: 540 });
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

/** Records every value the status indicator takes, from now on. */
async function recordStatuses(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const badge = document.getElementById('status')!;
    const seen = [badge.dataset.status ?? ''];
    (window as unknown as { statuses: string[] }).statuses = seen;
    new MutationObserver(() => {
      if (seen.at(-1) !== badge.dataset.status) seen.push(badge.dataset.status ?? '');
    }).observe(badge, { attributes: true, attributeFilter: ['data-status'] });
  });
  return () => page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
}

function rowEventIds(page: Page): Promise<string[]> {
  return page.$$eval('#envelopes > li', (rows) =>
    rows.map((row) => (row as HTMLElement).dataset.eventId ?? ''),
  );
}

/**
 * Sends envelopes one at a time, every `intervalMs`, whether or not the sidecar is up: an
 * envelope that cannot be delivered waits in a buffer and goes first once the sidecar is back.
 */
function keepSending(baseUrl: string, intervalMs: number, firstIndex: number) {
  const delivered: string[] = [];
  const waiting: { eventId: string; body: string }[] = [];
  let index = firstIndex;
  let running = true;
  const loop = (async () => {
    while (running || waiting.length > 0) {
      if (running) {
        const eventId = newEventId();
        waiting.push({ eventId, body: variedEnvelope(index++, eventId) });
      }
      while (waiting.length > 0) {
        const next = waiting[0]!;
        const ok = await postEnvelope(baseUrl, next.body).then(
          (response) => response.status === 200,
          () => false,
        );
        if (!ok) break;
        delivered.push(next.eventId);
        waiting.shift();
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    delivered,
    waiting,
    /** Stops making new envelopes and resolves once every buffered one was delivered. */
    async finish(): Promise<void> {
      running = false;
      await loop;
    },
  };
}

describe('the overlay page in a real browser', () => {
  it('shows envelopes live, rides out a sidecar restart on SQLite, and ends with every envelope exactly once', async () => {
    const { page } = browser;
    const port = await freePort();
    const env = { STORE: 'sqlite', SQLITE_PATH: join(scratch, 'overlay.db'), HEARTBEAT_MS: '1000' };
    let app = await start(env, port);

    await page.goto(`${app.url}/overlay`);
    await page.locator('#status[data-status="live"]').waitFor();
    const statuses = await recordStatuses(page);
    await expect.poll(() => page.locator('#empty').isVisible()).toBe(true);

    // Envelopes appear as they are sent, newest first.
    const before: string[] = [];
    for (let i = 0; i < 3; i++) {
      const eventId = newEventId();
      expect((await postEnvelope(app.url, variedEnvelope(i, eventId))).status).toBe(200);
      before.push(eventId);
    }
    await expect.poll(() => rowEventIds(page)).toEqual([...before].reverse());
    expect(await page.locator('#count').textContent()).toBe('3 envelopes');
    await expect.poll(() => page.locator('#empty').isVisible()).toBe(false);
    await expect(page.locator('#envelopes > li').first().locator('.title').textContent()).resolves.toBe(
      'GET /orders/2',
    );
    await expect(page.locator('#envelopes > li').last().locator('.title').textContent()).resolves.toBe(
      'Error: Payment 0 declined by provider',
    );

    // The sidecar stops and comes back on the same port and SQLite file; envelopes keep coming.
    const sender = keepSending(app.url, 60, 3);
    await expect.poll(() => sender.delivered.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    expect((await app.stop('SIGTERM')).code).toBe(0);
    await page.locator('#status[data-status="reconnecting"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => sender.waiting.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    app = await start(env, port);
    await expect.poll(() => sender.waiting.length, { timeout: 10_000 }).toBe(0);
    await expect
      .poll(() => sender.delivered.length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(sender.delivered.length + 5);
    await sender.finish();

    // Every envelope, exactly once.
    const all = [...before, ...sender.delivered];
    await page.locator('#status[data-status="live"]').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => rowEventIds(page).then((ids) => ids.length), { timeout: 20_000 })
      .toBe(all.length);
    const shown = await rowEventIds(page);
    expect(new Set(shown).size).toBe(shown.length);
    expect([...shown].sort()).toEqual([...all].sort());
    expect(shown[0]).toBe(all.at(-1));
    expect(await page.locator('#count').textContent()).toBe(`${all.length} envelopes`);
    expect(await page.locator('#notice').isHidden()).toBe(true);
    await expect(page.locator('#sync').textContent()).resolves.toMatch(/^caught up \d+ events? in \d+ ms$/);

    const seen = await statuses();
    const reconnecting = seen.indexOf('reconnecting');
    expect(reconnecting).toBeGreaterThan(0);
    expect(seen.slice(0, reconnecting)).toEqual(['live']);
    expect(seen.at(-1)).toBe('live');
    expect(seen.slice(reconnecting)).toContain('catching-up');

    await page.screenshot({ path: SCREENSHOT });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await page.screenshot({ path: DOCS_SCREENSHOT });
  });

  it('leaves a sidecar that stopped answering after two silent HEARTBEAT_MS, not the client default of 30 s', async () => {
    const { page } = browser;
    const app = await start({ STORE: 'memory', HEARTBEAT_MS: '300' }, await freePort());
    await page.goto(`${app.url}/overlay`);
    await page.locator('#status[data-status="live"]').waitFor();
    // Frozen, not stopped: the connection stays open and simply goes silent.
    process.kill(app.pid, 'SIGSTOP');
    try {
      const frozenAt = Date.now();
      await page.locator('#status[data-status="reconnecting"]').waitFor({ timeout: 8_000 });
      expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(1_000);
    } finally {
      process.kill(app.pid, 'SIGCONT');
    }
    await page.locator('#status[data-status="live"]').waitFor({ timeout: 10_000 });
  });

  it('on reset (a memory store that restarted) clears the list and rebuilds it from the sidecar', async () => {
    const { page } = browser;
    const port = await freePort();
    let app = await start({ STORE: 'memory' }, port);
    await page.goto(`${app.url}/overlay`);
    await page.locator('#status[data-status="live"]').waitFor();
    const old = [newEventId(), newEventId()];
    for (const [i, eventId] of old.entries()) await postEnvelope(app.url, variedEnvelope(i, eventId));
    await expect.poll(() => rowEventIds(page)).toEqual([...old].reverse());

    await app.stop();
    app = await start({ STORE: 'memory' }, port);
    const fresh = newEventId();
    expect((await postEnvelope(app.url, variedEnvelope(1, fresh))).status).toBe(200);

    await expect.poll(() => rowEventIds(page), { timeout: 20_000 }).toEqual([fresh]);
    expect(await page.locator('#count').textContent()).toBe('1 envelope');
    expect(await page.locator('#notice').textContent()).toContain('the sidecar lost its log');
    await page.locator('#status[data-status="live"]').waitFor();
  });
});
