import { createHub } from '@resumable-sse/core';
import { describe, expect, it } from 'vitest';
import { collector } from '../collector.ts';
import type { SuiteContext } from '../context.ts';
import { HubConnection } from '../hub-connection.ts';

const MEBIBYTE = 1024 * 1024;

/** 1 MiB of varied text, so a store that truncates, re-chunks or trims shows it. */
function largePayload(): string {
  const unit = 'resumable-sse {"n":0123456789} äöü 漢字 🙂 \\ " \' \t|';
  let text = '';
  while (text.length < MEBIBYTE) text += unit;
  return `${text.slice(0, MEBIBYTE - 3)}END`;
}

const TEXTS: [string, string][] = [
  ['emoji and a ZWJ sequence', '🙂🚀 👩‍👩‍👧‍👦 🇺🇦'],
  ['CJK and right-to-left scripts', '漢字かなカナ 한국어 العربية עברית'],
  ['combining marks', 'e\u0301 a\u0308 Z\u0335\u0321'],
  ['LF, CR and CRLF line breaks', 'line1\nline2\rline3\r\nline4\n\n\r\r\n'],
  ['NUL and other control characters', 'a\0b\0\u0001\u001f\u007f\u0085\u2028\u2029'],
  ['leading spaces, a colon and trailing newline', '  : not a comment\n'],
  ['the empty string', ''],
  ['JSON', JSON.stringify({ nested: { list: [1, 'two', null], quote: '"' } })],
];

export function payloadCases(ctx: SuiteContext): void {
  describe('payloads', () => {
    it('round-trips a 1 MiB payload through readAfter and live delivery', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('large');
      const data = largePayload();
      const listener = collector();
      await store.subscribe(stream, listener).ready;
      await store.append(stream, [{ data: 'small' }, { event: 'big', data }, { data: 'small again' }]);
      const stored = await ctx.readAll(store, stream);
      expect(stored.length).toBe(3);
      expect(stored[1]?.data.length).toBe(data.length);
      expect(stored[1]?.data === data).toBe(true);
      expect(stored[2]?.data).toBe('small again');
      await listener.waitForEvents(3);
      expect(listener.events[1]?.data === data).toBe(true);
    });

    it.each(TEXTS)('round-trips data with %s exactly', async (_, data) => {
      const store = await ctx.create();
      const stream = ctx.stream('text');
      const listener = collector();
      await store.subscribe(stream, listener).ready;
      await store.append(stream, [{ data }, { data: 'after' }]);
      const stored = await ctx.readAll(store, stream);
      expect(stored.map((event) => event.data)).toEqual([data, 'after']);
      await listener.waitForEvents(2);
      expect(listener.events[0]?.data).toBe(data);
    });

    it('round-trips unicode event names', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('event-names');
      await store.append(stream, [
        { event: 'ünïcødé-名前-🙂', data: 'x' },
        { event: 'with space:colon', data: 'y' },
      ]);
      expect((await ctx.readAll(store, stream)).map((event) => event.event)).toEqual([
        'ünïcødé-名前-🙂',
        'with space:colon',
      ]);
    });

    it('keeps a lone surrogate exactly or as U+FFFD (the wire is UTF-8 either way), without failing', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('lone-surrogate');
      const data = 'high\uD800 low\uDC00 end';
      await store.append(stream, [{ data }]);
      const [stored] = await ctx.readAll(store, stream);
      expect([data, 'high\uFFFD low\uFFFD end']).toContain(stored?.data);
    });

    // Text cut inside a surrogate pair is common (a preview sliced at N code units): it is
    // accepted, and clients get U+FFFD for it from every store since the wire is UTF-8.
    it('accepts an event name and data cut inside a surrogate pair, kept exactly or as U+FFFD', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('cut-pair');
      const cut = '\u{1F642}\u{1F642}'.slice(0, 3);
      const [result] = await store.append(stream, [{ event: `name-${cut}`, data: `data-${cut}` }]);
      expect(result).toMatchObject({ offset: 1, duplicate: false });
      const [stored] = await ctx.readAll(store, stream);
      expect([`name-${cut}`, 'name-\u{1F642}\uFFFD']).toContain(stored?.event);
      expect([`data-${cut}`, 'data-\u{1F642}\uFFFD']).toContain(stored?.data);
    });

    it('resumes from the id of an event cut inside a surrogate pair with no reset (its tag reads it as stored)', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('cut-pair-resume');
      const hub = createHub({ store });
      try {
        const live = await HubConnection.open(hub, stream);
        await live.waitForCaughtUp();
        const cut = '\u{1F642}\u{1F642}'.slice(0, 3);
        const [published] = await hub.publishBatch(stream, [{ event: `name-${cut}`, data: `data-${cut}` }]);
        await live.waitForEvents(1);
        await live.close();
        await hub.publish(stream, { data: 'after' });
        for (const cursor of new Set([published!.id, live.lastEventId!])) {
          const resumed = await HubConnection.open(hub, stream, cursor);
          await resumed.waitForCaughtUp();
          await resumed.close();
          expect(resumed.resets, `resets resuming from ${cursor}`).toEqual([]);
          expect(resumed.appEvents.map((event) => event.data)).toEqual(['after']);
        }
      } finally {
        await hub.close();
      }
    });

    it('keeps an absent event name absent and a set one set, in reads and live', async () => {
      const store = await ctx.create();
      const stream = ctx.stream('event-name');
      const listener = collector();
      await store.subscribe(stream, listener).ready;
      await store.append(stream, [
        { data: 'a' },
        { event: 'named', data: 'b' },
        { event: undefined, data: 'c' },
      ]);
      const stored = await ctx.readAll(store, stream);
      expect(stored.map((event) => event.event)).toEqual([undefined, 'named', undefined]);
      expect(stored[0]?.event).toBeUndefined();
      await listener.waitForEvents(3);
      expect(listener.events.map((event) => event.event)).toEqual([undefined, 'named', undefined]);
      expect(listener.events[2]?.event).toBeUndefined();
    });
  });
}
