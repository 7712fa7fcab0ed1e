/**
 * What an endpoint asks about a finite stream before it answers (docs/protocol.md §7.4): has the
 * client already seen the end (answer `204 No Content`, which stops a browser `EventSource`), and
 * is there a recorded terminal event to deliver at once to a client that comes back after the end.
 */
import type { CursorDecodeResult } from '../protocol/cursor-codec.ts';
import { eventTag } from '../protocol/event-tag.ts';
import type { EventStore } from '../store/types.ts';
import { type CompletionSource, DEFAULT_TERMINAL_EVENTS, type EndedStreamEvent } from './completion.ts';

export type TerminalCheck =
  /** The requested cursor is the stream's terminal event: nothing will ever follow it. */
  | { readonly kind: 'ended' }
  /** Open a stream; `completion` is the terminal event to send after replay when the log did not. */
  | { readonly kind: 'open'; readonly completion: EndedStreamEvent | null };

export interface TerminalCheckInput {
  readonly store: EventStore;
  readonly completions: CompletionSource | undefined;
  readonly stream: string;
  /** The resume cursor as received (header or query), undefined when absent. */
  readonly requested: string | undefined;
  /** `requested`, decoded once for the whole request. */
  readonly decoded: CursorDecodeResult | undefined;
  readonly terminalEvents: ReadonlySet<string>;
  /** Runs each store read (the hub's limiter and retries). */
  readonly read: <T>(read: () => Promise<T>) => Promise<T>;
}

/** The terminal event names an endpoint uses by default: the job names with a completion source, none without. */
export function defaultTerminalEvents(completions: CompletionSource | undefined): ReadonlySet<string> {
  return new Set(completions ? [DEFAULT_TERMINAL_EVENTS.completed, DEFAULT_TERMINAL_EVENTS.failed] : []);
}

export async function checkTerminal(input: TerminalCheckInput): Promise<TerminalCheck> {
  const { completions, stream, requested, terminalEvents } = input;
  // Lifecycle trouble must not take the stream down with it: the log alone still serves the client.
  const completion = completions ? await completions.completion(stream).catch(() => null) : null;
  if (requested === undefined) return { kind: 'open', completion };
  if (completion !== null && requested === completion.id) return { kind: 'ended' };
  if (terminalEvents.size > 0 && (await cursorIsTerminalInLog(input))) return { kind: 'ended' };
  return { kind: 'open', completion };
}

/**
 * True when the cursor points at the head of the log and that event is a terminal one: the
 * completion record may have expired while the log still knows the stream ended there.
 */
async function cursorIsTerminalInLog(input: TerminalCheckInput): Promise<boolean> {
  const { store, stream, decoded, terminalEvents, read } = input;
  if (!decoded?.ok || decoded.cursor.offset < 1) return false;
  const { cursor } = decoded;
  try {
    // Only a stream that has a log is looked at: reading a position would create one.
    const [event] = await read(() => store.readAfter(stream, cursor.offset - 1, 1));
    if (
      event?.offset !== cursor.offset ||
      event.event === undefined ||
      !terminalEvents.has(event.event) ||
      (cursor.tag !== undefined && eventTag(event) !== cursor.tag)
    )
      return false;
    const position = await read(() => store.position(stream));
    return position.epoch === cursor.epoch && position.head === cursor.offset;
  } catch {
    return false;
  }
}
