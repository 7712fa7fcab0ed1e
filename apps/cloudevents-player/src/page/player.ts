/**
 * The live feed: every CloudEvent the player holds, newest first, kept exactly in step with the
 * server across disconnects by `@resumable-sse/client` (resume by cursor, `reset` → rebuild).
 * Runs in the browser; bundled by `player-page.ts`.
 */
import {
  type ClientStatus,
  createEventStreamClient,
  type EventStreamClient,
  type FetchLike,
  type StreamEvent,
} from '@resumable-sse/client';
import { pageHeartbeatTimeoutMs } from '@resumable-sse/demo-support/page';
import { type ConnectionView, connectionView, tooltipText } from './connection-state.ts';
import {
  type EventFilter,
  FILTER_ATTRIBUTES,
  isFiltering,
  matchesFilter,
  NO_FILTER,
} from './event-filter.ts';
import { EventLog, type LoggedEvent } from './event-log.ts';

/** Events kept in the page; older ones leave the DOM (the counter still counts them). */
const MAX_ROWS = 2_000;

type CloudEventJson = Readonly<Record<string, unknown>>;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`player: #${id} is missing from the page`);
  return found as T;
}

const feed = element<HTMLOListElement>('feed');
const indicator = element('indicator');
const indicatorLabel = element('indicator-label');
const counter = element('counter');
const syncText = element('sync');
const notice = element('notice');
const empty = element('empty');
const filters = element<HTMLFormElement>('filters');
const detailEmpty = element('detail-empty');
const detailBody = element('detail-body');
element('events-url').textContent = new URL('/events', location.href).toString();

const log = new EventLog<HTMLLIElement>(MAX_ROWS);
const known: Record<(typeof FILTER_ATTRIBUTES)[number], Set<string>> = {
  type: new Set(),
  source: new Set(),
  subject: new Set(),
};
let filter: EventFilter = NO_FILTER;
let selected: string | undefined;
let status: ClientStatus = 'connecting';
let requestInFlight = false;
let lastEventAt: number | undefined;
let lastPingAt: number | undefined;
// Assigned below; the client calls back (through `watchedFetch`) before its constructor returns.
let client: EventStreamClient | undefined;
const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

// --- connection indicator -------------------------------------------------------------------

function showConnection(): void {
  const view: ConnectionView = connectionView(status, requestInFlight);
  indicator.dataset.state = view.state;
  indicatorLabel.textContent = view.label;
  const metrics = client?.metrics;
  indicator.title = tooltipText({
    view,
    lastEventAt,
    lastPingAt,
    reconnects: metrics?.reconnects ?? 0,
    retryDelayMs: metrics?.retryDelayMs,
    formatTime: (ms) => timeFormat.format(ms),
  });
}

/** `fetch`, watched: a request under way shows yellow, a failed one red (see connection-state.ts). */
const watchedFetch: FetchLike = async (url, init) => {
  requestInFlight = true;
  showConnection();
  try {
    return await fetch(url, init);
  } finally {
    requestInFlight = false;
    showConnection();
  }
};

// --- feed -------------------------------------------------------------------------------------

function showCounter(): void {
  const shown = log.entries.filter((entry) => !entry.row.hidden).length;
  counter.textContent = `${log.count} event${log.count === 1 ? '' : 's'}${isFiltering(filter) ? ` (${shown} shown)` : ''}`;
  empty.hidden = log.count > 0;
}

function addCloudEvent(event: StreamEvent): void {
  // Without a cursor an event cannot be told apart from a repeat; the server always sends one.
  if (event.id === undefined || log.has(event.id)) return;
  let cloudEvent: CloudEventJson;
  try {
    cloudEvent = JSON.parse(event.data) as CloudEventJson;
  } catch {
    cloudEvent = { type: '(unreadable event)', data: event.data };
  }
  const receivedAt = Date.now();
  const row = renderRow(event.id, cloudEvent, receivedAt);
  const dropped = log.add({ cursor: event.id, event: cloudEvent, receivedAt, row }) ?? [];
  for (const old of dropped) old.row.remove();
  feed.prepend(row);
  rememberValues(cloudEvent);
  lastEventAt = receivedAt;
  showCounter();
  showConnection();
}

function renderRow(cursor: string, event: CloudEventJson, receivedAt: number): HTMLLIElement {
  const row = document.createElement('li');
  row.className = 'event';
  row.tabIndex = 0;
  row.dataset.cursor = cursor;
  if (typeof event.id === 'string') row.dataset.eventId = event.id;
  row.hidden = !matchesFilter(event, filter);

  const type = document.createElement('span');
  type.className = 'type';
  type.textContent = text(event.type);
  type.title = text(event.type);

  const time = document.createElement('time');
  const when =
    typeof event.time === 'string' && !Number.isNaN(Date.parse(event.time))
      ? Date.parse(event.time)
      : receivedAt;
  time.dateTime = new Date(when).toISOString();
  time.textContent = timeFormat.format(when);

  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = [
    text(event.source),
    event.subject === undefined ? '' : text(event.subject),
    `id ${text(event.id)}`,
  ]
    .filter((part) => part !== '')
    .join(' · ');
  row.append(type, time, meta);
  return row;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function rememberValues(event: CloudEventJson): void {
  for (const attribute of FILTER_ATTRIBUTES) {
    const value = event[attribute];
    if (typeof value !== 'string' || known[attribute].has(value) || known[attribute].size >= 200) continue;
    known[attribute].add(value);
    const option = document.createElement('option');
    option.value = value;
    element(`known-${attribute}`).append(option);
  }
}

function clearFeed(): void {
  log.clear();
  feed.replaceChildren();
  for (const attribute of FILTER_ATTRIBUTES) {
    known[attribute].clear();
    element(`known-${attribute}`).replaceChildren();
  }
  select(undefined);
  showCounter();
}

// --- filters and detail ---------------------------------------------------------------------

function applyFilter(): void {
  const data = new FormData(filters);
  filter = {
    type: String(data.get('type') ?? ''),
    source: String(data.get('source') ?? ''),
    subject: String(data.get('subject') ?? ''),
  };
  for (const entry of log.entries) entry.row.hidden = !matchesFilter(entry.event, filter);
  showCounter();
}

filters.addEventListener('input', applyFilter);
filters.addEventListener('reset', () => setTimeout(applyFilter));
filters.addEventListener('submit', (event) => event.preventDefault());

function select(cursor: string | undefined): void {
  const previous = selected === undefined ? undefined : log.find(selected);
  previous?.row.removeAttribute('aria-selected');
  const entry = cursor === undefined ? undefined : log.find(cursor);
  selected = entry?.cursor;
  detailEmpty.hidden = entry !== undefined;
  detailBody.hidden = entry === undefined;
  if (entry) showDetail(entry);
}

function showDetail(entry: LoggedEvent<HTMLLIElement>): void {
  entry.row.setAttribute('aria-selected', 'true');
  element('detail-type').textContent = text(entry.event.type);
  const attributes = element('detail-attributes');
  attributes.replaceChildren();
  const facts: [string, string][] = [
    ['id', text(entry.event.id)],
    ['source', text(entry.event.source)],
    ['subject', text(entry.event.subject)],
    ['time', text(entry.event.time)],
    ['received', new Date(entry.receivedAt).toISOString()],
    ['cursor', entry.cursor],
  ];
  for (const [name, value] of facts) {
    if (value === '') continue;
    const term = document.createElement('dt');
    term.textContent = name;
    const description = document.createElement('dd');
    description.textContent = value;
    attributes.append(term, description);
  }
  element('detail-json').textContent = JSON.stringify(entry.event, null, 2);
}

function rowCursor(target: EventTarget | null): string | undefined {
  return (target as HTMLElement | null)?.closest<HTMLLIElement>('li.event')?.dataset.cursor;
}
feed.addEventListener('click', (event) => select(rowCursor(event.target)));
feed.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    select(rowCursor(event.target));
  }
});

// --- stream -----------------------------------------------------------------------------------

const RESET_EXPLANATIONS: Record<string, string> = {
  evicted: 'the events after the last one shown were already dropped from the buffer',
  epoch: 'the player lost its log (restarted with a memory store, or its storage was replaced)',
  future: 'this page was ahead of the player',
  malformed: 'the resume position was not recognised',
};

client = createEventStreamClient(new URL('/stream', location.href), {
  fetch: watchedFetch,
  // Two silent heartbeats (the seed: "if no ping after 60 s, assume the connection dead").
  heartbeatTimeoutMs: pageHeartbeatTimeoutMs(),
  // A local player comes back quickly: do not wait the default 30 s between attempts.
  backoff: { maxMs: 5_000 },
  onEvent(event) {
    if (event.event === 'cloudevent') addCloudEvent(event);
    else if (event.event === 'ping') {
      lastPingAt = Date.now();
      showConnection();
    }
  },
  onReset(payload) {
    clearFeed();
    notice.hidden = false;
    notice.textContent = `Rebuilt from the player's buffer: ${RESET_EXPLANATIONS[payload.reason] ?? payload.reason}.`;
  },
  onCaughtUp(info) {
    syncText.textContent = `caught up ${info.replayed} event${info.replayed === 1 ? '' : 's'} in ${Math.round(info.timeToSyncMs)} ms`;
  },
  onStatus(next) {
    status = next;
    // "caught up …" describes the connection that just ended.
    if (next === 'reconnecting') syncText.textContent = '';
    showConnection();
  },
  onError() {
    showConnection();
  },
});

status = client.status;
showConnection();
showCounter();
addEventListener('pagehide', () => client?.close());
