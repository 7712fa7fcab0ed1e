import type { DisconnectReason, HubHooks } from '@resumable-sse/core';

/** What `hooks.onError` is told. */
export type UserCodeError = Parameters<NonNullable<HubHooks['onError']>>[0];

export type HookName = keyof HubHooks;

/** Every hub hook call of one case, in order. */
export interface HookRecord {
  readonly hooks: HubHooks;
  readonly connects: string[];
  readonly disconnects: DisconnectReason[];
  readonly caughtUps: string[];
  readonly resets: string[];
  readonly errors: UserCodeError[];
}

/**
 * Hub hooks that record each call; those named in `throwing` then throw, as an application's
 * buggy metrics code would.
 */
export function recordHooks(throwing: readonly HookName[] = []): HookRecord {
  const thrower = (name: HookName): void => {
    if (throwing.includes(name)) throw new Error(`${name} hook failed on purpose`);
  };
  const record: HookRecord = {
    connects: [],
    disconnects: [],
    caughtUps: [],
    resets: [],
    errors: [],
    hooks: {
      onConnect({ stream }) {
        record.connects.push(stream);
        thrower('onConnect');
      },
      onDisconnect({ reason }) {
        record.disconnects.push(reason);
        thrower('onDisconnect');
      },
      onCaughtUp({ stream }) {
        record.caughtUps.push(stream);
        thrower('onCaughtUp');
      },
      onReset({ reason }) {
        record.resets.push(reason);
        thrower('onReset');
      },
      onError(info) {
        record.errors.push(info);
        thrower('onError');
      },
    },
  };
  return record;
}
