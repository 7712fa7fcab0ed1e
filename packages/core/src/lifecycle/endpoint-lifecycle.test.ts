import { afterEach, describe, expect, it } from 'vitest';
import type { Hub } from '../hub.ts';
import { until } from '../test-support/collecting-sink.ts';
import { closeHubs, hubOver } from '../test-support/hubs.ts';
import { openSession } from '../test-support/open-session.ts';
import { startJob } from './job.ts';
import { memoryLifecycle } from './memory-lifecycle.ts';

afterEach(async () => {
  await closeHubs();
});

/** A finished job: three tokens then `completed`. Returns the cursors of its events. */
async function finishedJob(hub: Hub, lifecycle = memoryLifecycle(), stream = 'job') {
  const ids: string[] = [];
  const job = await startJob(
    hub,
    lifecycle,
    { streamId: stream, type: 'generation', owner: 'ada' },
    async (emit) => {
      for (const token of ['a', 'b', 'c']) ids.push((await emit({ event: 'token', data: token })).id);
      return 'done';
    },
  );
  const outcome = await job.done;
  return { lifecycle, ids, terminalId: outcome.terminal!.id };
}

describe('endpoint with lifecycle (docs/protocol.md §7.4)', () => {
  it('answers 204 No Content to a client resuming from the terminal event', async () => {
    const hub = hubOver();
    const { lifecycle, terminalId } = await finishedJob(hub);
    const session = await openSession(hub, { stream: 'job', lifecycle, lastEventId: terminalId });
    expect(session.plan).toMatchObject({ kind: 'response', status: 204, body: '' });
    const viaQuery = await openSession(
      hub,
      { stream: 'job', lifecycle },
      { query: { lastEventId: terminalId } },
    );
    expect(viaQuery.plan.kind === 'response' && viaQuery.plan.status).toBe(204);
  });

  it('answers 204 from the log alone once the completion record has expired', async () => {
    const hub = hubOver();
    let now = Date.now();
    const { lifecycle, terminalId } = await finishedJob(hub, memoryLifecycle({ now: () => now }));
    now += 300_000;
    expect(await lifecycle.completion('job')).toBeNull();
    const session = await openSession(hub, { stream: 'job', lifecycle, lastEventId: terminalId });
    expect(session.plan.kind === 'response' && session.plan.status).toBe(204);
  });

  it('replays what a client missed up to the terminal event, then ends the connection without caught-up', async () => {
    const hub = hubOver();
    const { lifecycle, ids, terminalId } = await finishedJob(hub);
    const session = await openSession(hub, { stream: 'job', lifecycle, lastEventId: ids[0] });
    await session.done;
    expect(session.sink.frames.map((frame) => [frame.event, frame.data])).toEqual([
      ['token', 'b'],
      ['token', 'c'],
      ['completed', '{"result":"done"}'],
    ]);
    expect(session.sink.frames.at(-1)?.id).toBe(terminalId);
    expect(session.sink.closed).toBe(true);
  });

  it('gives a client that comes after the end the terminal event at once, from the completion record when the log lost it', async () => {
    const first = hubOver();
    const { lifecycle, ids, terminalId } = await finishedJob(first);
    // The event log is lost (a memory store restarted); the lifecycle records are not.
    const hub = hubOver();
    const late = await openSession(hub, { stream: 'job', lifecycle, lastEventId: ids[1] });
    await late.done;
    expect(late.sink.frames.map((frame) => frame.event)).toEqual(['reset', 'completed']);
    expect(late.sink.frames.at(-1)).toMatchObject({ id: terminalId, data: '{"result":"done"}' });
    const fresh = await openSession(hub, { stream: 'job', lifecycle, initial: 'now' });
    await fresh.done;
    expect(fresh.sink.frames.map((frame) => [frame.id, frame.event])).toEqual([[terminalId, 'completed']]);
    const again = await openSession(hub, { stream: 'job', lifecycle, lastEventId: terminalId });
    expect(again.plan.kind === 'response' && again.plan.status).toBe(204);
  });

  it('ends a live connection right after the terminal event', async () => {
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    let release!: () => void;
    const job = await startJob(
      hub,
      lifecycle,
      { streamId: 'live-job', type: 'generation', owner: 'ada' },
      async (emit) => {
        await emit({ event: 'token', data: 'x' });
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        await emit({ event: 'token', data: 'y' });
      },
    );
    const viewer = await openSession(hub, { stream: 'live-job', lifecycle, initial: 'earliest' });
    await until(() => viewer.sink.named('caught-up').length === 1, 2_000, 'caught-up');
    release();
    await job.done;
    await viewer.done;
    expect(viewer.sink.frames.map((frame) => frame.event)).toEqual([
      'token',
      'caught-up',
      'token',
      'completed',
    ]);
    expect(viewer.sink.closed).toBe(true);
  });

  it('ends the connection on custom terminal event names, even when a filter hides the event', async () => {
    const hub = hubOver();
    await hub.publish('export', { event: 'row', data: '1' });
    await hub.publish('export', { event: 'done', data: '{}' });
    await hub.publish('export', { event: 'row', data: 'after the end' });
    const session = await openSession(hub, {
      stream: 'export',
      initial: 'earliest',
      terminalEvents: ['done'],
      filter: (event) => event.event === 'row',
    });
    await session.done;
    expect(session.sink.frames.map((frame) => frame.data)).toEqual(['1']);
  });

  it('without lifecycle or terminalEvents, an event named completed is just an event', async () => {
    const hub = hubOver();
    await hub.publish('feed', { event: 'completed', data: 'task 1' });
    const session = await openSession(hub, { stream: 'feed', initial: 'earliest' });
    await until(() => session.sink.named('caught-up').length === 1, 2_000, 'caught-up');
    await hub.publish('feed', { event: 'completed', data: 'task 2' });
    await until(() => session.sink.named('completed').length === 2, 2_000, 'second event');
    expect(session.sink.closed).toBe(false);
    session.abort();
    await session.done;
  });

  it('a stream still running is served as usual, whatever lifecycle says', async () => {
    const hub = hubOver();
    const lifecycle = memoryLifecycle();
    await lifecycle.register({ streamId: 'running', type: 'generation', owner: 'ada' });
    const { id } = await hub.publish('running', { event: 'token', data: 'a' });
    const session = await openSession(hub, { stream: 'running', lifecycle, lastEventId: id });
    await until(() => session.sink.named('caught-up').length === 1, 2_000, 'caught-up');
    expect(session.sink.closed).toBe(false);
    session.abort();
    await session.done;
  });
});
