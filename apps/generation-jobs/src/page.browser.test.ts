import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LaunchedChromium, launchChromium } from '@resumable-sse/browser-harness';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAIL_MARKER, outputFor, tokensFor } from './jobs/generator.ts';
import { JOB_LIST_REFRESH_MS } from './page/job-list.ts';
import { JOBS_ENTRY } from './test-support/jobs-api.ts';

/** Saved on every run (git ignores it); `UPDATE_DOCS_SCREENSHOT=1` also refreshes docs/screenshot.png. */
const SCREENSHOT = fileURLToPath(new URL('../test-results/page.png', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));

let browser: LaunchedChromium;
let app: RunningApp;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'generation-jobs-page-'));
  [browser, app] = await Promise.all([
    launchChromium(),
    startApp({
      entry: JOBS_ENTRY,
      env: { STORE: 'sqlite', SQLITE_PATH: join(scratch, 'page.db'), HEARTBEAT_MS: '1000' },
    }),
  ]);
  await browser.page.setViewportSize({ width: 720, height: 400 });
  // Every text the output shows, from the first paint of every load: a repeated or lost token
  // would show up as a text that is not a prefix of the job's output.
  await browser.page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { outputTexts: string[] }).outputTexts = seen;
    new MutationObserver(() => {
      // Only what the page's script rendered: before it runs, the section is the empty template.
      if (document.getElementById('job')?.dataset.state === 'none') return;
      const text = document.getElementById('output')?.textContent;
      if (text != null && seen.at(-1) !== text) seen.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const outputTexts = (page: Page) =>
  page.evaluate(() => (window as unknown as { outputTexts: string[] }).outputTexts);
const received = (page: Page) =>
  page
    .locator('#job')
    .getAttribute('data-received')
    .then((value) => Number(value ?? 0));

async function startJob(page: Page, prompt: string, tokens: number, delayMs: number): Promise<void> {
  await page.fill('#prompt', prompt);
  await page.fill('#tokens', String(tokens));
  await page.fill('#delay', String(delayMs));
  const previous = await page.locator('#job-id').textContent();
  await page.click('#start');
  // Wait for the new job by its id: a short job can pass through `running` between two looks at
  // the page, and the job shown before (restored from the tab's session) may already be in the
  // state a caller waits for next.
  await page.waitForFunction((shown) => {
    const id = document.querySelector('#job-id')?.textContent ?? '';
    return id !== '' && id !== shown;
  }, previous);
}

describe('the jobs page in a real browser', () => {
  it('survives a reload mid-job: the text continues where it was, no token repeated or lost', async () => {
    const { page } = browser;
    const prompt = 'Tell the story of a reader who reloads the page halfway.';
    const tokens = 40;
    const expected = outputFor(prompt, tokens);
    await page.goto(app.url);
    await startJob(page, prompt, tokens, 60);

    await expect.poll(() => received(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(10);
    const beforeReload = (await page.locator('#output').textContent()) ?? '';
    expect(expected.startsWith(beforeReload)).toBe(true);
    expect(await received(page)).toBeLessThan(tokens);

    await page.reload();
    await page.locator('#job[data-state="completed"]').waitFor({ timeout: 15_000 });

    const shown = await outputTexts(page);
    expect(shown.length).toBeGreaterThan(1);
    // The reloaded page starts from the text it had (or a little more), never from scratch.
    expect(shown[0]!.startsWith(beforeReload)).toBe(true);
    expect(shown[0]!.length).toBeLessThan(expected.length);
    for (const text of shown) expect(expected.startsWith(text), JSON.stringify(text)).toBe(true);
    expect(shown.map((text) => text.length)).toEqual(
      [...shown.map((text) => text.length)].sort((a, b) => a - b),
    );

    expect(await page.locator('#output').textContent()).toBe(expected);
    expect(await page.locator('#job').getAttribute('data-anomalies')).toBe('0');
    expect(await page.locator('#notice').isHidden()).toBe(true);
    expect(await page.locator('#progress').textContent()).toBe(`${tokens} / ${tokens} tokens`);
    expect(await page.locator('#state-text').textContent()).toBe('Completed');
    expect(await page.locator('#detail').textContent()).toBe(`Done: ${tokens} tokens.`);
    expect(await page.locator('#job-prompt').textContent()).toBe(prompt);
    await page.screenshot({ path: SCREENSHOT });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') await page.screenshot({ path: DOCS_SCREENSHOT });

    // A reload after the end shows the finished job as it was, without asking for it again.
    await page.reload();
    await page.locator('#job[data-state="completed"]').waitFor();
    expect(await page.locator('#output').textContent()).toBe(expected);
  });

  it('leaves a server that stopped answering mid-job after two silent HEARTBEAT_MS, not the client default of 30 s', async () => {
    const { page } = browser;
    await page.goto(app.url);
    await startJob(page, 'a job whose server freezes', 1000, 50);
    await expect.poll(() => received(page)).toBeGreaterThanOrEqual(2);
    await page.locator('#connection[data-status="live"]').waitFor();
    // Frozen, not stopped: the connection stays open and simply goes silent.
    process.kill(app.pid, 'SIGSTOP');
    try {
      const frozenAt = Date.now();
      await page.locator('#connection[data-status="reconnecting"]').waitFor({ timeout: 10_000 });
      // HEARTBEAT_MS is 1000 here: the page waited for two of them (and some slack).
      expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(2_000);
    } finally {
      process.kill(app.pid, 'SIGCONT');
    }
    await page.locator('#connection[data-status="live"]').waitFor({ timeout: 10_000 });
    await page.click('#cancel');
    await page.locator('#job[data-state="failed"]').waitFor({ timeout: 10_000 });
  });

  it('shows a failed job and a cancelled one', async () => {
    const { page } = browser;
    await page.goto(app.url);
    const failing = `break ${FAIL_MARKER} please`;
    await startJob(page, failing, 10, 10);
    await page.locator('#job[data-state="failed"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#output').textContent()).toBe(tokensFor(failing, 10).slice(0, 5).join(''));
    expect(await page.locator('#detail').textContent()).toBe(
      `The generator failed after 5 tokens (the prompt contains "${FAIL_MARKER}").`,
    );

    await startJob(page, 'a long one to cancel', 1000, 50);
    await expect.poll(() => received(page)).toBeGreaterThanOrEqual(2);
    await page.click('#cancel');
    await page.locator('#job[data-state="failed"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#detail').textContent()).toBe('Cancelled.');
    expect(await page.locator('#state-text').textContent()).toBe('Failed');
  });

  it('a tab closed mid-job and opened again finds the job in Your jobs, watches it finish, and shows finished ones', async () => {
    const { context } = browser;
    const prompt = 'A job whose tab is closed halfway.';
    const tokens = 40;
    const expected = outputFor(prompt, tokens);
    const first = await context.newPage();
    await first.goto(app.url);
    await first.selectOption('#type', 'chat');
    await startJob(first, prompt, tokens, 80);
    const id = (await first.locator('#job-id').textContent()) ?? '';
    await expect.poll(() => received(first), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    await first.close();

    const reopened = await context.newPage();
    await reopened.goto(app.url);
    // A new tab has no job of its own open; the list has the one still running.
    expect(await reopened.locator('#job').isHidden()).toBe(true);
    const item = reopened.locator(`.job-item[data-job-id="${id}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-state')).toBe('active');
    expect(await item.locator('.job-type').textContent()).toBe('chat');
    expect(await item.locator('.job-prompt').textContent()).toBe(prompt);
    await item.locator('button').click();
    await reopened.locator('#job[data-state="running"]').waitFor();
    expect(expected.startsWith((await reopened.locator('#output').textContent()) ?? '')).toBe(true);
    await reopened.locator('#job[data-state="completed"]').waitFor({ timeout: 15_000 });
    expect(await reopened.locator('#output').textContent()).toBe(expected);
    expect(await reopened.locator('#job').getAttribute('data-anomalies')).toBe('0');
    expect(await reopened.locator('#job-type').textContent()).toBe('chat');
    await reopened
      .locator(`.job-item[data-job-id="${id}"][data-state="completed"]`)
      .waitFor({ timeout: 5_000 });
    expect(await item.locator('.job-summary').textContent()).toBe(`${expected.slice(0, 60)}…`);
    await reopened.close();

    // Another tab opens the finished job from the list: its result, without a stream.
    const later = await context.newPage();
    await later.goto(app.url);
    await later.locator(`.job-item[data-job-id="${id}"] button`).click();
    await later.locator('#job[data-state="completed"]').waitFor();
    expect(await later.locator('#output').textContent()).toBe(expected);
    expect(await later.locator('#detail').textContent()).toBe(`Done: ${tokens} tokens.`);
    await later.close();
  });
});

describe('an expired job on the page', () => {
  let shortLived: RunningApp;
  beforeAll(async () => {
    shortLived = await startApp({ entry: JOBS_ENTRY, env: { STORE: 'memory', COMPLETION_TTL_MS: '1000' } });
  });
  afterAll(async () => {
    await shortLived?.stop();
  });

  it('is listed as Expired once its result is no longer kept, and opens with what the log retains', async () => {
    const prompt = 'A job that outlives its result.';
    const tab = await browser.context.newPage();
    await tab.goto(shortLived.url);
    await startJob(tab, prompt, 5, 0);
    await tab.locator('#job[data-state="completed"]').waitFor({ timeout: 10_000 });
    const id = (await tab.locator('#job-id').textContent()) ?? '';
    const item = tab.locator(`.job-item[data-job-id="${id}"]`);
    await tab.locator(`.job-item[data-job-id="${id}"][data-state="expired"]`).waitFor({ timeout: 6_000 });
    expect(await item.locator('.job-state').textContent()).toBe('Expired');
    expect(await item.locator('.job-summary').textContent()).toBe('result no longer kept');
    // The list polls every 2 s; an unchanged job keeps its item, so a click can never fall
    // between a press on one node and a release on its replacement.
    const shown = await item.elementHandle();
    await tab.waitForTimeout(JOB_LIST_REFRESH_MS + 500);
    expect(await shown?.evaluate((element) => element.isConnected)).toBe(true);
    await tab.click('#clear');
    await item.locator('button').click();
    await tab.locator('#job[data-state="expired"]').waitFor();
    expect(await tab.locator('#state-text').textContent()).toBe('Expired');
    expect(await tab.locator('#output').textContent()).toBe(outputFor(prompt, 5));
    expect(await tab.locator('#detail').textContent()).toBe(
      'Expired: its result is no longer kept, the retained events show how it ended.',
    );
    await tab.close();
  });
});
