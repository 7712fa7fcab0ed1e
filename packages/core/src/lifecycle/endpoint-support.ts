/**
 * What an SSE endpoint asks about a finite stream before it answers (docs/protocol.md §7.4): has the client
 * already seen the end (answer `204 No Content`, which stops a browser `EventSource`), and is
 * there a completion record to deliver at once to a client that comes back after the end.
 */
import type { CursorCodec } from '../protocol/cursor-codec.ts';
import { eventTag } from '../protocol/event-tag.ts';
import type { EventStore } from '../store/types.ts';
import { DEFAULT_TERMINAL_EVENTS } from './terminal.ts';
import type { CompletionRecord, LifecycleStore } from './types.ts';

export type TerminalCheck =
  /** The requested cursor is the stream's terminal event: nothing will ever follow it. */
  | { readonly kind: 'ended' }
  /** Open a stream; `completion` is the terminal event to send after replay when the log did not. */
  | { readonly kind: 'open'; readonly completion: CompletionRecord | null };

export interface TerminalCheckInput {
  readonly store: EventStore;
  readonly codec: CursorCodec;
  readonly lifecycle: LifecycleStore | undefined;
  readonly stream: string;
  /** The resume cursor as received (header or query), undefined when absent. */
  readonly requested: string | undefined;
  readonly terminalEvents: ReadonlySet<string>;
}

/** The terminal event names an endpoint uses by default: the job names with `lifecycle`, none without. */
export function defaultTerminalEvents(lifecycle: LifecycleStore | undefined): ReadonlySet<string> {
  return new Set(lifecycle ? [DEFAULT_TERMINAL_EVENTS.completed, DEFAULT_TERMINAL_EVENTS.failed] : []);
}

export async function checkTerminal(input: TerminalCheckInput): Promise<TerminalCheck> {
  const { store, codec, lifecycle, stream, requested, terminalEvents } = input;
  // Lifecycle trouble must not take the stream down with it: the log alone still serves the client.
  const completion = lifecycle ? await lifecycle.completion(stream).catch(() => null) : null;
  if (requested === undefined) return { kind: 'open', completion };
  if (completion !== null && requested === completion.id) return { kind: 'ended' };
  if (
    terminalEvents.size > 0 &&
    (await cursorIsTerminalInLog(store, codec, stream, requested, terminalEvents))
  ) {
    return { kind: 'ended' };
  }
  return { kind: 'open', completion };
}

/**
 * True when the cursor points at the head of the log and that event is a terminal one: the
 * completion record may have expired while the log still knows the stream ended there.
 */
async function cursorIsTerminalInLog(
  store: EventStore,
  codec: CursorCodec,
  stream: string,
  requested: string,
  terminalEvents: ReadonlySet<string>,
): Promise<boolean> {
  const decoded = codec.decode(requested);
  if (!decoded.ok || decoded.cursor.offset < 1) return false;
  try {
    // Only a stream that has a log is looked at: reading a position would create one.
    const [event] = await store.readAfter(stream, decoded.cursor.offset - 1, 1);
    if (
      event?.offset !== decoded.cursor.offset ||
      event.event === undefined ||
      !terminalEvents.has(event.event) ||
      (decoded.cursor.tag !== undefined && eventTag(event) !== decoded.cursor.tag)
    )
      return false;
    const position = await store.position(stream);
    return position.epoch === decoded.cursor.epoch && position.head === decoded.cursor.offset;
  } catch {
    return false;
  }
}
