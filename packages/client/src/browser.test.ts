import { type LaunchedChromium, launchChromium } from '@resumable-sse/browser-harness';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { servePage } from './test-support/browser-bundle.ts';
import type { OursConfig, PageRecord } from './test-support/browser-page.ts';
import { startTestSseServer, type TestSseServer } from './test-support/test-sse-server.ts';
import { sleep } from './test-support/wait.ts';

let browser: LaunchedChromium;
let srv: TestSseServer | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());
afterEach(async () => {
  await browser.page.goto('about:blank');
  await srv?.close();
});

async function openPage(): Promise<TestSseServer> {
  srv = await startTestSseServer();
  await browser.page.goto(await servePage(srv));
  return srv;
}

const startOurs = (config: OursConfig) => browser.page.evaluate((c) => window.startOurs(c), config);
const record = (): Promise<PageRecord> => browser.page.evaluate(() => window.record);
const until = (predicate: string, timeout = 10_000) =>
  browser.page.waitForFunction(`(() => { const r = window.record; return ${predicate}; })()`, undefined, {
    timeout,
  });

describe('in headless Chromium', () => {
  it('delivers events and reports connecting → catching-up → live', async () => {
    const server = await openPage();
    server.publish('a');
    server.publish('b', 'custom');
    await startOurs({ url: server.streamUrl });
    await until(`r.statuses.includes('live')`);
    server.publish('c');
    await until('r.events.length === 3');
    const seen = await record();
    expect(seen.events).toEqual(
      server.events.map((e) => ({ id: e.id, event: e.event ?? 'message', data: e.data })),
    );
    expect(seen.statuses).toEqual(['catching-up', 'live']);
    expect(await browser.page.evaluate(() => window.client?.status)).toBe('live');
    expect(seen.errors).toEqual([]);
  });

  it('a server restart mid-stream: reconnecting, then every event exactly once, in order', async () => {
    const server = await openPage();
    await startOurs({ url: server.streamUrl });
    await until(`r.statuses.includes('live')`);
    for (let i = 0; i < 5; i++) server.publish(`before-${i}`);
    await until('r.events.length === 5');
    await server.stop();
    for (let i = 0; i < 5; i++) server.publish(`down-${i}`);
    await until(`r.statuses.includes('reconnecting')`);
    await sleep(150);
    await server.start();
    await until(`r.statuses.lastIndexOf('live') > r.statuses.indexOf('reconnecting')`);
    for (let i = 0; i < 5; i++) server.publish(`after-${i}`);
    await until('r.events.length >= 15');
    await sleep(100);
    const seen = await record();
    expect(seen.events.map((e) => e.id)).toEqual(server.events.map((e) => e.id));
    expect(seen.events.map((e) => e.data)).toEqual(server.events.map((e) => e.data));
    expect(seen.statuses.slice(0, 3)).toEqual(['catching-up', 'live', 'reconnecting']);
    expect(seen.statuses.at(-1)).toBe('live');
    expect(seen.errors.every((e) => e.code === 'NETWORK_ERROR' && !e.fatal)).toBe(true);
    expect(server.requests.at(-1)!.lastEventId).toBe(server.events[4]!.id);
  });

  it('persists the cursor in sessionStorage and resumes from it after a reload', async () => {
    const server = await openPage();
    server.publish('a');
    server.publish('b');
    await startOurs({ url: server.streamUrl, storageKey: 'feed-cursor' });
    await until('r.events.length === 2');
    expect(await browser.page.evaluate(() => sessionStorage.getItem('feed-cursor'))).toBe(
      server.events[1]!.id,
    );

    await browser.page.reload();
    server.publish('c');
    await startOurs({ url: server.streamUrl, storageKey: 'feed-cursor' });
    await until(`r.statuses.includes('live')`);
    const seen = await record();
    // Without the stored cursor the server's initial policy would replay 'a' and 'b' again.
    expect(seen.events.map((e) => e.data)).toEqual(['c']);
    expect(server.requests.at(-1)!.lastEventId).toBe(server.events[1]!.id);
    expect(await browser.page.evaluate(() => sessionStorage.getItem('feed-cursor'))).toBe(
      server.events[2]!.id,
    );
  });
});
