import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LaunchedChromium, launchChromium } from '@resumable-sse/browser-harness';
import { freePort, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { CloudEvent, emitterFor, httpTransport, Mode } from 'cloudevents';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYER_ENTRY } from './test-support/player.ts';

/** Where the screenshots go (ignored by git); `UPDATE_DOCS_SCREENSHOT=1` also refreshes docs/screenshot.png. */
const SCREENSHOTS = fileURLToPath(new URL('../test-results/browser/', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));
const PING_INTERVAL_MS = 2_000;

let scratch: string;
let env: Record<string, string>;
let port: number;
let app: RunningApp | undefined;
let browser: LaunchedChromium;
let page: Page;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cloudevents-player-browser-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  // SQLite: the log outlives the restart below, so the page resumes where it was.
  env = {
    STORE: 'sqlite',
    SQLITE_PATH: join(scratch, 'player.db'),
    PING_INTERVAL_MS: String(PING_INTERVAL_MS),
  };
  port = await freePort();
  app = await startApp({ entry: PLAYER_ENTRY, env, port });
  browser = await launchChromium();
  page = browser.page;
  await page.setViewportSize({ width: 1000, height: 560 });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * A producer as a real service would write one: the cloudevents SDK's HTTP emitter, holding on
 * to what it could not deliver while the player was down and sending it again later.
 */
function bufferingProducer(url: string) {
  const emit = emitterFor(httpTransport(url), { mode: Mode.STRUCTURED });
  const pending: CloudEvent<unknown>[] = [];
  const sent: string[] = [];
  const deliver = async (event: CloudEvent<unknown>): Promise<boolean> => {
    try {
      const answer = (await emit(event)) as { body: string };
      expect(JSON.parse(answer.body)).toMatchObject({ events: [{ id: event.id }] });
      sent.push(event.id);
      return true;
    } catch {
      return false;
    }
  };
  let order = 0;
  return {
    pending,
    sent,
    async send(): Promise<void> {
      order++;
      const event = new CloudEvent<unknown>({
        type: order % 2 === 0 ? 'com.example.order.shipped' : 'com.example.order.created',
        source: order % 3 === 0 ? 'https://shop.example.com/returns' : 'https://shop.example.com/orders',
        subject: `order-${1000 + order}`,
        data: { orderId: 1000 + order, amount: order * 10.5, currency: 'EUR' },
      });
      if (pending.length > 0 || !(await deliver(event))) pending.push(event);
    },
    async flush(): Promise<void> {
      while (pending.length > 0) {
        if (!(await deliver(pending[0]!))) throw new Error('the player is still unreachable');
        pending.shift();
      }
    },
  };
}

const indicatorIs = (state: 'connected' | 'connecting' | 'disconnected', timeout = 15_000) =>
  page.waitForSelector(`#indicator[data-state="${state}"]`, { timeout });

async function shownEventIds(): Promise<string[]> {
  return page.$$eval('#feed li.event', (rows) =>
    rows.map((row) => (row as HTMLElement).dataset.eventId ?? ''),
  );
}

async function waitForRows(count: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('#feed li.event').length >= n, count, {
    timeout: 15_000,
  });
}

describe('the live feed page in Chromium', () => {
  const producer = () => bufferingProducer(`http://127.0.0.1:${port}/events`);
  let events: ReturnType<typeof bufferingProducer>;

  it('goes green → red → yellow → green across a server restart and shows every event exactly once', async () => {
    events = producer();
    await page.goto(app!.url);
    await indicatorIs('connected');
    for (let i = 0; i < 3; i++) await events.send();
    await waitForRows(3);

    // The server goes away: the page turns red while its attempts are refused.
    await app!.stop('SIGTERM');
    app = undefined;
    await indicatorIs('disconnected');
    await page.screenshot({ path: join(SCREENSHOTS, '1-disconnected.png') });
    const downTooltip = await page.getAttribute('#indicator', 'title');
    expect(downTooltip).toMatch(/^Status: Disconnected, retrying/);
    expect(downTooltip).toMatch(/\nLast event: \d{1,2}:\d\d:\d\d/);

    // Sends while it is down fail and wait in the producer.
    await events.send();
    await events.send();
    expect(events.pending).toHaveLength(2);

    // Hold the page's next attempt in flight (yellow) while the server comes back and events
    // arrive, so they reach the page through replay rather than live.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/stream', async (route) => {
      await gate;
      await route.continue().catch(() => {});
    });
    await indicatorIs('connecting');
    await page.screenshot({ path: join(SCREENSHOTS, '2-reconnecting.png') });

    app = await startApp({ entry: PLAYER_ENTRY, env, port });
    await events.flush();
    await events.send();
    await events.send();
    expect(events.pending).toHaveLength(0);
    release();

    await indicatorIs('connected');
    await page.unroute('**/stream');
    // The four sent while the page was away came through replay.
    await page.waitForFunction(
      () => document.getElementById('sync')?.textContent?.startsWith('caught up 4 events'),
      undefined,
      {
        timeout: 5_000,
      },
    );
    await events.send();
    await events.send();
    expect(events.sent).toHaveLength(9);
    await waitForRows(9);

    // Let a ping or two pass: nothing more may appear.
    const ticksBefore = await page.getAttribute('#indicator', 'title');
    await page.waitForFunction(
      (before) => document.getElementById('indicator')?.title !== before,
      ticksBefore,
      {
        timeout: 3 * PING_INTERVAL_MS,
      },
    );
    expect(await shownEventIds()).toEqual([...events.sent].reverse());
    expect(await page.textContent('#counter')).toBe('9 events');
    const tooltip = await page.getAttribute('#indicator', 'title');
    expect(tooltip).toMatch(
      /^Status: Connected\nLast event: \d{1,2}:\d\d:\d\d[^\n]*\nLast ping: \d{1,2}:\d\d:\d\d[^\n]*\nReconnect attempts: [1-9]\d*$/,
    );
    await page.screenshot({ path: join(SCREENSHOTS, '3-connected-again.png') });
  });

  it('filters by type, source and subject, and shows an event in full', async () => {
    const all = [...events.sent].reverse();
    const visible = () =>
      page.$$eval('#feed li.event', (rows) =>
        rows.filter((row) => !(row as HTMLElement).hidden).map((row) => (row as HTMLElement).dataset.eventId),
      );

    await page.fill('input[name="type"]', 'SHIPPED');
    const shipped = await visible();
    expect(shipped.length).toBe(4);
    expect(await page.textContent('#counter')).toBe('9 events (4 shown)');

    await page.fill('input[name="source"]', 'returns');
    expect(await visible()).toHaveLength(1);
    await page.fill('input[name="type"]', '');
    await page.fill('input[name="source"]', '');
    await page.fill('input[name="subject"]', 'order-1007');
    expect(await visible()).toEqual([all[2]]);

    await page.click('button[type="reset"]');
    await page.waitForFunction(() => document.getElementById('counter')?.textContent === '9 events');
    expect(await visible()).toEqual(all);

    await page.click(`#feed li.event[data-event-id="${all[1]}"]`);
    const detail = JSON.parse((await page.textContent('#detail-json')) ?? '{}') as Record<string, unknown>;
    expect(detail).toMatchObject({
      id: all[1],
      specversion: '1.0',
      subject: 'order-1008',
      data: { orderId: 1008 },
    });
    expect(await page.textContent('#detail-attributes')).toContain('cursor');
    await page.screenshot({ path: join(SCREENSHOTS, '4-detail.png') });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await page.screenshot({ path: DOCS_SCREENSHOT });
  });
});
