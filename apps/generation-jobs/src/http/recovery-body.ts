import type { CompletionRecord, StreamRecord, StreamRecovery } from '@resumable-sse/core/lifecycle';
import type { JobTerminal } from '../jobs/job-events.ts';

/** One retained event of `GET /jobs/:id/recover`. */
export interface RecoveredEventBody {
  /** The event's cursor: `Last-Event-ID` to resume the stream right after it. */
  readonly id: string;
  readonly event: string;
  /** The event's data, parsed (every event of a job carries JSON). */
  readonly data: unknown;
  readonly time: string;
}

/** The body of `GET /jobs/:id/recover`. */
export interface RecoveryBody {
  readonly id: string;
  /** `active`, `completed`, `failed`, `orphaned`, or `expired` (record gone, events still kept). */
  readonly status: string;
  readonly job: {
    readonly type: string;
    readonly prompt: unknown;
    readonly tokens: unknown;
    readonly delayMs: unknown;
    readonly startedAt: string;
    readonly lastHeartbeat: string;
  } | null;
  /** Retained events, oldest first, with their cursors. */
  readonly events: readonly RecoveredEventBody[];
  /** True when more events were retained than listed. */
  readonly truncated: boolean;
  /** The terminal event while its completion record is kept, else null. */
  readonly terminal: JobTerminal | null;
}

export function recoveryBody(id: string, view: StreamRecovery): RecoveryBody {
  return {
    id,
    status: view.status,
    job: view.record ? jobOf(view.record) : null,
    events: view.events.map((event) => ({
      id: event.id,
      event: event.event ?? 'message',
      data: parseData(event.data),
      time: new Date(event.time).toISOString(),
    })),
    truncated: view.truncated,
    terminal: view.terminal && terminalOf(view.terminal),
  };
}

export function terminalOf(completion: CompletionRecord): JobTerminal {
  return {
    id: completion.id,
    event: completion.event,
    state: completion.state,
    data: parseData(completion.data),
    completedAt: new Date(completion.completedAt).toISOString(),
  };
}

/** What the registry record says about a job: its type, request and times. */
export function jobOf(record: StreamRecord): NonNullable<RecoveryBody['job']> {
  const { prompt, tokens, delayMs } = record.metadata;
  return {
    type: record.type,
    prompt,
    tokens,
    delayMs,
    startedAt: new Date(record.startedAt).toISOString(),
    lastHeartbeat: new Date(record.lastHeartbeat).toISOString(),
  };
}

/** JSON when it is JSON; the text itself otherwise (an event some other producer wrote). */
function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
