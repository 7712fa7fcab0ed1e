import { describe, expect, it } from 'vitest';
import { throttle } from './throttle.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('throttle', () => {
  it('runs at once, then at most once per interval, and once after the last call', async () => {
    let runs = 0;
    const call = throttle(() => runs++, 100);
    call();
    expect(runs).toBe(1);
    for (let i = 0; i < 20; i++) call();
    expect(runs).toBe(1);
    await sleep(150);
    expect(runs).toBe(2);
    await sleep(150);
    expect(runs).toBe(2);
  });
});
