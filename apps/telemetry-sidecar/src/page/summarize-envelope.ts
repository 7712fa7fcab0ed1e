/**
 * What one envelope says at a glance: an error's type and value, a message's text, a
 * transaction's name and duration. Browser-safe (the overlay bundles it); never throws on
 * unexpected shapes — an SDK may send item types this file has never heard of.
 */

export type EnvelopeKind = 'error' | 'message' | 'transaction' | 'log' | 'session' | 'other';

export interface EnvelopeSummary {
  readonly kind: EnvelopeKind;
  readonly title: string;
  /** Secondary line: where, how long, which environment. */
  readonly detail: string;
  /** Sentry level (`error`, `warning`, `info`…) when the envelope has one. */
  readonly level: string | undefined;
  /** When it happened, in ms since the Unix epoch, when known. */
  readonly timestamp: number | undefined;
  /** The envelope's `event_id`, when it has one. */
  readonly eventId: string | undefined;
  /** Item types in order (`event`, `attachment`, …). */
  readonly itemTypes: readonly string[];
}

type Json = Record<string, unknown>;

export function summarizeEnvelope(envelope: unknown): EnvelopeSummary {
  const [headers, items] = Array.isArray(envelope) ? envelope : [undefined, undefined];
  const header = asObject(headers);
  const pairs = (Array.isArray(items) ? items : []).map((item) =>
    Array.isArray(item)
      ? { type: text(asObject(item[0]).type) ?? 'unknown', payload: item[1] }
      : { type: 'unknown', payload: undefined },
  );
  const itemTypes = pairs.map((pair) => pair.type);
  const base = {
    eventId: text(header.event_id),
    itemTypes,
    timestamp: toMillis(header.sent_at),
  };

  const event = pairs.find((pair) => pair.type === 'event');
  if (event)
    return {
      ...base,
      ...summarizeEvent(asObject(event.payload)),
      ...eventTime(event.payload, base.timestamp),
    };

  const transaction = pairs.find((pair) => pair.type === 'transaction');
  if (transaction) {
    const payload = asObject(transaction.payload);
    return { ...base, ...summarizeTransaction(payload), ...eventTime(payload, base.timestamp) };
  }

  const log = pairs.find((pair) => pair.type === 'log');
  if (log) return { ...base, ...summarizeLogs(asObject(log.payload)) };

  const session = pairs.find((pair) => pair.type === 'session' || pair.type === 'sessions');
  if (session) {
    const payload = asObject(session.payload);
    const status = text(payload.status);
    return {
      ...base,
      kind: 'session',
      title: status ? `Session ${status}` : 'Session update',
      detail: joinDetail([text(asObject(payload.attrs).environment), text(asObject(payload.attrs).release)]),
      level: undefined,
    };
  }

  return {
    ...base,
    kind: 'other',
    title: itemTypes.length > 0 ? itemTypes.join(', ') : 'Empty envelope',
    detail: `${itemTypes.length} item${itemTypes.length === 1 ? '' : 's'}`,
    level: undefined,
  };
}

function summarizeEvent(event: Json): Pick<EnvelopeSummary, 'kind' | 'title' | 'detail' | 'level'> {
  const level = text(event.level);
  const values = asObject(event.exception).values;
  const exceptions = Array.isArray(values) ? values.map(asObject) : [];
  // Sentry lists chained exceptions oldest cause first: the last one is what was thrown.
  const thrown = exceptions.at(-1);
  const context = joinDetail([text(event.transaction), text(event.environment), text(event.platform)]);
  const message = messageText(event);
  // `captureMessage` with a stack attached wraps the message in a synthetic exception: still a message.
  const synthetic = asObject(thrown?.mechanism).synthetic === true && message !== undefined;
  if (thrown && !synthetic) {
    const type = text(thrown.type) ?? 'Error';
    const value = text(thrown.value);
    return {
      kind: 'error',
      title: value ? `${type}: ${value}` : type,
      detail: joinDetail([topFrame(thrown), context]),
      level: level ?? 'error',
    };
  }
  return {
    kind: 'message',
    title: message ?? '(no message)',
    detail: context,
    level: level ?? 'info',
  };
}

function messageText(event: Json): string | undefined {
  const logentry = asObject(event.logentry);
  const message = event.message;
  return (
    text(logentry.formatted) ??
    text(logentry.message) ??
    text(message) ??
    text(asObject(message).formatted) ??
    text(asObject(message).message)
  );
}

function topFrame(exception: Json): string | undefined {
  const frames = asObject(exception.stacktrace).frames;
  if (!Array.isArray(frames)) return undefined;
  // Frames run outermost first; the innermost frame of the app itself is the useful one.
  const ordered = frames.map(asObject).reverse();
  const frame = ordered.find((candidate) => candidate.in_app === true) ?? ordered[0];
  if (!frame) return undefined;
  const file = text(frame.filename) ?? text(frame.abs_path) ?? text(frame.module);
  const line = typeof frame.lineno === 'number' ? `:${frame.lineno}` : '';
  const fn = text(frame.function);
  if (!file && !fn) return undefined;
  return fn ? `at ${fn}${file ? ` (${file}${line})` : ''}` : `at ${file}${line}`;
}

function summarizeTransaction(payload: Json): Pick<EnvelopeSummary, 'kind' | 'title' | 'detail' | 'level'> {
  const start = payload.start_timestamp;
  const end = payload.timestamp;
  const durationMs =
    typeof start === 'number' && typeof end === 'number'
      ? Math.max(0, Math.round((end - start) * 1000))
      : undefined;
  const spans = Array.isArray(payload.spans) ? payload.spans.length : 0;
  const op = text(asObject(asObject(payload.contexts).trace).op);
  return {
    kind: 'transaction',
    title: text(payload.transaction) ?? '(unnamed transaction)',
    detail: joinDetail([
      op,
      durationMs === undefined ? undefined : `${durationMs} ms`,
      `${spans} span${spans === 1 ? '' : 's'}`,
      text(payload.environment),
    ]),
    level: undefined,
  };
}

function summarizeLogs(payload: Json): Pick<EnvelopeSummary, 'kind' | 'title' | 'detail' | 'level'> {
  const records = Array.isArray(payload.items) ? payload.items.map(asObject) : [];
  const first = records[0] ?? {};
  return {
    kind: 'log',
    title: text(first.body) ?? '(empty log)',
    detail: `${records.length} log record${records.length === 1 ? '' : 's'}`,
    level: text(first.level),
  };
}

function eventTime(payload: unknown, fallback: number | undefined): { timestamp: number | undefined } {
  return { timestamp: toMillis(asObject(payload).timestamp) ?? fallback };
}

/** Sentry timestamps are seconds (a number) or RFC 3339 text. */
function toMillis(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

function joinDetail(parts: readonly (string | undefined)[]): string {
  return parts.filter((part): part is string => part !== undefined && part !== '').join(' · ');
}

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
