import { describe, expect, it } from 'vitest';
import { createFrameQueue } from './frame-queue.ts';

function frames() {
  const waiting: (() => void)[] = [];
  return {
    schedule: (callback: () => void) => void waiting.push(callback),
    waiting,
    run: () => {
      const now = waiting.splice(0);
      for (const callback of now) callback();
      return now.length;
    },
  };
}

/** A queue whose every `handle` costs `costMs` on a fake clock; records what each frame committed. */
function queueWith(costMs: number, budgetMs: number, handle: (item: number) => void = () => {}) {
  const clock = frames();
  let time = 0;
  let frame: number[] = [];
  const commits: number[][] = [];
  const queue = createFrameQueue<number>({
    handle: (item) => {
      time += costMs;
      frame.push(item);
      handle(item);
    },
    commit: () => {
      commits.push(frame);
      frame = [];
    },
    budgetMs,
    schedule: clock.schedule,
    now: () => time,
  });
  return { clock, queue, commits };
}

describe('createFrameQueue', () => {
  it('asks for one frame however many items arrive, and commits them together', () => {
    const { clock, queue, commits } = queueWith(0.01, 8);
    for (let i = 0; i < 50; i++) queue.push(i);
    expect(clock.waiting).toHaveLength(1);
    expect(commits).toEqual([]);
    clock.run();
    expect(commits).toEqual([Array.from({ length: 50 }, (_, i) => i)]);
    expect(clock.run()).toBe(0);
  });

  it('spreads a burst over frames within the budget, in order, at least one item a frame', () => {
    const { clock, queue, commits } = queueWith(3, 8);
    for (let i = 0; i < 7; i++) queue.push(i);
    while (clock.run() > 0);
    expect(commits).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(queue.pending).toBe(0);

    const slow = queueWith(50, 8);
    slow.queue.push(1);
    slow.queue.push(2);
    while (slow.clock.run() > 0);
    expect(slow.commits).toEqual([[1], [2]]);
  });

  it('commits and goes on after a handle that throws', () => {
    const { clock, queue, commits } = queueWith(1, 8, (item) => {
      if (item === 0) throw new Error('boom');
    });
    queue.push(0);
    queue.push(1);
    expect(() => clock.run()).toThrow('boom');
    expect(commits).toEqual([[0]]);
    clock.run();
    expect(commits).toEqual([[0], [1]]);
  });
});
