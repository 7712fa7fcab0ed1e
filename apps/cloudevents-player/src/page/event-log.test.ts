import { describe, expect, it } from 'vitest';
import { EventLog } from './event-log.ts';

const entry = (cursor: string) => ({ cursor, event: { id: cursor }, receivedAt: 0, row: cursor });

describe('EventLog', () => {
  it('counts an event once however often it arrives', () => {
    const log = new EventLog<string>(10);
    expect(log.add(entry('e.1'))).toEqual([]);
    expect(log.add(entry('e.2'))).toEqual([]);
    expect(log.add(entry('e.1'))).toBeUndefined();
    expect(log.count).toBe(2);
    expect(log.entries.map((kept) => kept.cursor)).toEqual(['e.1', 'e.2']);
  });

  it('keeps the newest maxKept and still counts them all', () => {
    const log = new EventLog<string>(2);
    log.add(entry('e.1'));
    log.add(entry('e.2'));
    expect(log.add(entry('e.3'))?.map((dropped) => dropped.cursor)).toEqual(['e.1']);
    expect(log.count).toBe(3);
    expect(log.entries.map((kept) => kept.cursor)).toEqual(['e.2', 'e.3']);
    expect(log.find('e.3')?.row).toBe('e.3');
    expect(log.find('e.1')).toBeUndefined();
  });

  it('starts over on clear (after a reset)', () => {
    const log = new EventLog<string>(10);
    log.add(entry('e.1'));
    log.clear();
    expect(log.count).toBe(0);
    expect(log.add(entry('e.1'))).toEqual([]);
    expect(log.count).toBe(1);
  });
});
