import type { SuiteContext } from '../fixture.ts';
import { caughtUpCursorCases } from './caught-up-cursor.ts';
import { filterIsolationCases } from './isolation-filter.ts';
import { hookIsolationCases } from './isolation-hooks.ts';
import { largeFrameCases } from './large-frames.ts';
import { stalledReaderCases } from './stalled-readers.ts';
import { userCodeRefusalCases } from './user-code-refusals.ts';

/**
 * What one connection, hook or event must never do to another: user code that throws ends at
 * most its own request or connection, one large event reaches every reader that reads, a client
 * that stops reading holds its socket only for a bounded time, and a caught-up client always
 * holds a cursor to resume from. Runs once per store.
 */
export function isolationCases<Req>(ctx: SuiteContext<Req>): void {
  filterIsolationCases(ctx);
  userCodeRefusalCases(ctx);
  hookIsolationCases(ctx);
  largeFrameCases(ctx);
  stalledReaderCases(ctx);
  caughtUpCursorCases(ctx);
}
