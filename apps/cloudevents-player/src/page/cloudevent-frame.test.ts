import { describe, expect, it } from 'vitest';
import { readCloudEventFrame } from './cloudevent-frame.ts';

describe('readCloudEventFrame', () => {
  it('reads a CloudEvent and refuses what is not one', () => {
    const event = { specversion: '1.0', id: '1', source: '/s', type: 't', data: { a: 1 } };
    expect(readCloudEventFrame(JSON.stringify(event))).toEqual({ ok: true, event });
    expect(readCloudEventFrame('{not json')).toEqual({ ok: false, reason: 'not JSON' });
    expect(readCloudEventFrame('[1]')).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(readCloudEventFrame('null')).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(readCloudEventFrame('{"specversion":"1.0","id":"1","source":"/s"}')).toEqual({
      ok: false,
      reason: 'no "type" attribute',
    });
    expect(readCloudEventFrame('{"specversion":"1.0","id":7,"source":"/s","type":"t"}')).toMatchObject({
      ok: false,
    });
  });
});
