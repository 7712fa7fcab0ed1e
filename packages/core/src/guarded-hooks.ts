/**
 * Hub hooks as the engine calls them: each one fenced, so an application's metrics or logging
 * code can never end a connection, leave one half-closed, or crash the process with an unhandled
 * rejection.
 */
import type { HubHooks, UserCodeError } from './hub-hooks.ts';

type HookName = Exclude<keyof HubHooks, 'onError'>;
const HOOK_NAMES: readonly HookName[] = ['onConnect', 'onDisconnect', 'onCaughtUp', 'onReset'];

/** The hooks with every call contained, plus `report` for failures of other application code. */
export interface GuardedHooks extends Required<Omit<HubHooks, 'onError'>> {
  report(failure: UserCodeError): void;
}

export function guardHooks(hooks: HubHooks | undefined): GuardedHooks {
  const source = hooks ?? {};
  const report = (failure: UserCodeError): void => {
    const onError = source.onError;
    if (typeof onError !== 'function') return;
    try {
      settle(onError.call(source, failure), () => {});
    } catch {
      // The error reporter failing leaves nothing else to tell.
    }
  };
  const guarded = { report } as GuardedHooks;
  for (const name of HOOK_NAMES) {
    const hook = source[name] as ((info: unknown) => unknown) | undefined;
    (guarded as unknown as Record<HookName, (info: { stream: string }) => void>)[name] =
      typeof hook !== 'function'
        ? () => {}
        : (info) => {
            const fail = (error: unknown) =>
              report({ stream: info.stream, source: 'hook', hook: name, error });
            try {
              settle(hook.call(source, info), fail);
            } catch (error) {
              fail(error);
            }
          };
  }
  return guarded;
}

/** A hook typed `void` may still be async: its rejection must not become an unhandled one. */
function settle(result: unknown, fail: (error: unknown) => void): void {
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
    (result as PromiseLike<unknown>).then(undefined, fail);
  }
}
