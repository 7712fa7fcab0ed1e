/**
 * Each entry serves one audience. The root entry is what an application calls; a store author's
 * helpers, the wire format and the lifecycle live behind their own entries, so they can change
 * for their audience without touching the application API.
 */
import { describe, expect, it } from 'vitest';

const entries = {
  '.': () => import('./index.ts'),
  protocol: () => import('./protocol/index.ts'),
  node: () => import('./node/index.ts'),
  web: () => import('./web/index.ts'),
  lifecycle: () => import('./lifecycle/index.ts'),
  'store-kit': () => import('./store-kit/index.ts'),
};

async function valuesOf(entry: keyof typeof entries): Promise<string[]> {
  return Object.keys(await entries[entry]()).sort();
}

describe('entry points', () => {
  it('the root entry holds the application API only: hub, endpoint, memory store, errors', async () => {
    expect(await valuesOf('.')).toEqual([
      'Hub',
      'MIN_CURSOR_SECRET_BYTES',
      'MemoryStore',
      'ResumableSseError',
      'createHub',
      'createSseEndpoint',
      'hmacCursorSigner',
      'isResumableSseError',
      'isValidStreamName',
      'memoryStore',
      'requestedCursor',
    ]);
  });

  it('store-author helpers are in store-kit, not beside the application API', async () => {
    const root = new Set(await valuesOf('.'));
    const storeKit = await valuesOf('store-kit');
    expect(storeKit).toEqual(
      expect.arrayContaining([
        'assertValidAppendInputs',
        'checkRegisterInput',
        'closedSubscription',
        'metadataFromJson',
        'resolveLifecycleOptions',
        'resolveRetentionOptions',
        'RingBuffer',
      ]),
    );
    expect(storeKit.filter((name) => root.has(name) && name !== 'isValidStreamName')).toEqual([]);
  });

  it('the lifecycle entry has jobs, guardian, completion and recovery, and no validation internals', async () => {
    const lifecycle = await valuesOf('lifecycle');
    expect(lifecycle).toEqual(
      expect.arrayContaining([
        'createStreamGuardian',
        'lifecycleMetrics',
        'memoryLifecycle',
        'recoverStream',
        'startJob',
      ]),
    );
    for (const internal of [
      'checkRegisterInput',
      'metadataFromJson',
      'resolveLifecycleOptions',
      'checkDurationOption',
    ]) {
      expect(lifecycle).not.toContain(internal);
    }
  });

  it('the web entry has a Fetch handler and the pieces an adapter maps onto', async () => {
    expect(await valuesOf('web')).toEqual([
      'createFetchHandler',
      'toSseRequest',
      'webConnection',
      'webStreamSink',
    ]);
  });
});
