import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundlePage } from './bundle-page.ts';

const dir = mkdtempSync(join(tmpdir(), 'bundle-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): URL {
  writeFileSync(join(dir, name), text);
  return pathToFileURL(join(dir, name));
}

const script = file('page.ts', "document.title = String(1 as number) + 'x';\n");

describe('bundlePage', () => {
  it('bundles the script and writes the heartbeat interval into the HTML', async () => {
    const html = file('with.html', '<head><meta name="heartbeat-ms" content="%HEARTBEAT_MS%" /></head>');
    const page = await bundlePage(html, script, { heartbeatMs: 250 });
    expect(page.html).toBe('<head><meta name="heartbeat-ms" content="250" /></head>');
    expect(page.script).toContain('document.title');
    expect((await bundlePage(html, script, { heartbeatMs: 0 })).html).toContain('content="0"');
  });

  it('leaves the HTML as it is without a heartbeat interval', async () => {
    const html = file('plain.html', '<p>%HEARTBEAT_MS%</p>');
    expect((await bundlePage(html, script)).html).toBe('<p>%HEARTBEAT_MS%</p>');
  });

  it('refuses a heartbeat interval for HTML with nowhere to put it', async () => {
    const html = file('without.html', '<head></head>');
    await expect(bundlePage(html, script, { heartbeatMs: 250 })).rejects.toThrow(
      /without\.html has no %HEARTBEAT_MS% placeholder: add <meta name="heartbeat-ms"/,
    );
  });
});
