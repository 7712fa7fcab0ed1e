/**
 * The live feed: every CloudEvent the player holds, newest first, kept exactly in step with the
 * server across disconnects by `@resumable-sse/client` (resume by cursor, `reset` → rebuild),
 * kept on the device in IndexedDB, drawn at most once per frame. Runs in the browser; bundled by
 * `player-page.ts`.
 */
import {
  type ClientStatus,
  createEventStreamClient,
  type EventStreamClient,
  type EventStreamError,
  type FetchLike,
  type ResetPayload,
} from '@resumable-sse/client';
import { pageHeartbeatTimeoutMs } from '@resumable-sse/demo-support/page';
import { type CloudEventJson, readCloudEventFrame } from './cloudevent-frame.ts';
import { type ConnectionView, connectionView, tooltipText } from './connection-state.ts';
import {
  type EventFilter,
  FILTER_ATTRIBUTES,
  isFiltering,
  matchesFilter,
  NO_FILTER,
} from './event-filter.ts';
import { EventLog, type LoggedEvent } from './event-log.ts';
import { type EventStore, openEventStore, type StoredEvent } from './event-store.ts';
import { rowWindow, syncChildren } from './feed-window.ts';
import { createFrameQueue } from './frame-queue.ts';
import { createPageAuth } from './page-auth.ts';
import { RateTimeline } from './rate-timeline.ts';
import { throttle } from './throttle.ts';
import { drawTimeline } from './timeline-chart.ts';

/** Events kept in memory; older ones are dropped from the feed (the counter still counts them). */
const MAX_ROWS = 2_000;
/** Rows drawn beyond the viewport on each side, so a scroll shows rows at once. */
const OVERSCAN = 30;
/** Work per frame on the queue, in ms: a burst is spread over frames rather than freezing one. */
const FRAME_BUDGET_MS = 8;
const COUNTER_INTERVAL_MS = 150;
/** The feed is redrawn at most this often: each redraw is a layout and paint, whatever it adds. */
const FEED_INTERVAL_MS = 100;
const TIMELINE_INTERVAL_MS = 1_000;
const CAP_ITEM = 'cloudevents-player:cap';
const DEFAULT_CAP = 10_000;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`player: #${id} is missing from the page`);
  return found as T;
}

const feed = element<HTMLOListElement>('feed');
const indicator = element('indicator');
const indicatorLabel = element('indicator-label');
const counter = element('counter');
const skipped = element('skipped');
const storedText = element('stored');
const capSelect = element<HTMLSelectElement>('cap');
const syncText = element('sync');
const notice = element('notice');
const empty = element('empty');
const filters = element<HTMLFormElement>('filters');
const detailEmpty = element('detail-empty');
const detailBody = element('detail-body');
const chart = document.getElementById('timeline-chart') as unknown as SVGSVGElement;
const legend = element('timeline-legend');
const signInForm = element<HTMLFormElement>('signin');
const signInError = element('signin-error');
element('events-url').textContent = new URL('/events', location.href).toString();

const authEnabled = document.querySelector<HTMLMetaElement>('meta[name="auth"]')?.content === 'on';
const auth = createPageAuth(new URL('/auth/token', location.href), sessionStorage);
const log = new EventLog<undefined>(MAX_ROWS);
/** Rows are built when first drawn: a burst builds a screenful, not one per event. */
const rows = new WeakMap<LoggedEvent<undefined>, HTMLLIElement>();

function rowFor(entry: LoggedEvent<undefined>): HTMLLIElement {
  let row = rows.get(entry);
  if (!row) {
    row = renderRow(entry.cursor, entry.event, entry.receivedAt);
    if (entry.cursor === selected) row.setAttribute('aria-selected', 'true');
    rows.set(entry, row);
  }
  return row;
}
const timeline = new RateTimeline({ buckets: 60, bucketMs: 1_000, maxSeries: 5 });
const known: Record<(typeof FILTER_ATTRIBUTES)[number], Set<string>> = {
  type: new Set(),
  source: new Set(),
  subject: new Set(),
};
let store: EventStore | undefined;
let filter: EventFilter = NO_FILTER;
let selected: string | undefined;
let status: ClientStatus = 'connecting';
let requestInFlight = false;
let lastEventAt: number | undefined;
let lastPingAt: number | undefined;
let malformed = 0;
/** The `error` of the latest refused stream request, shown with the status it came with. */
let lastRefusal: string | undefined;
let client: EventStreamClient | undefined;
const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Writes only a change: an unchanged write still costs a style and layout pass. */
function setText(target: HTMLElement, value: string): void {
  if (target.textContent !== value) target.textContent = value;
}

function say(message: string | undefined): void {
  notice.hidden = message === undefined;
  notice.textContent = message ?? '';
}

// --- connection indicator -------------------------------------------------------------------

function showConnection(): void {
  const view: ConnectionView = connectionView(status, requestInFlight);
  if (indicator.dataset.state !== view.state) indicator.dataset.state = view.state;
  setText(indicatorLabel, view.label);
  const metrics = client?.metrics;
  const title = tooltipText({
    view,
    lastEventAt,
    lastPingAt,
    reconnects: metrics?.reconnects ?? 0,
    retryDelayMs: metrics?.retryDelayMs,
    formatTime: (ms) => timeFormat.format(ms),
  });
  if (indicator.title !== title) indicator.title = title;
}

/** `fetch`, watched: a request under way shows yellow, a failed one red; a refusal's message is kept. */
const watchedFetch: FetchLike = async (url, init) => {
  requestInFlight = true;
  showConnection();
  try {
    const response = await fetch(url, init);
    lastRefusal = undefined;
    if (!response.ok) {
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { error?: unknown } | undefined;
      lastRefusal = typeof body?.error === 'string' ? body.error : undefined;
    }
    return response;
  } finally {
    requestInFlight = false;
    showConnection();
  }
};

// --- counter, storage setting, timeline (throttled) -------------------------------------------

function renderCounter(): void {
  const shown = matching.length;
  setText(
    counter,
    `${log.count} event${log.count === 1 ? '' : 's'}${isFiltering(filter) ? ` (${shown} shown)` : ''}`,
  );
  if (empty.hidden !== log.count > 0) empty.hidden = log.count > 0;
  if (skipped.hidden !== (malformed === 0)) skipped.hidden = malformed === 0;
  setText(skipped, `${malformed} malformed skipped`);
  setText(storedText, store ? `${store.stored} on this device` : 'not kept on this device');
}
const showCounter = throttle(renderCounter, COUNTER_INTERVAL_MS);

const showTimeline = throttle(
  () => drawTimeline(chart, legend, timeline.window(Date.now(), filter)),
  TIMELINE_INTERVAL_MS,
);
// The chart scrolls with time even when no event arrives.
setInterval(showTimeline, TIMELINE_INTERVAL_MS);

function readCap(): number {
  const saved = Number(localStorage.getItem(CAP_ITEM));
  return [...capSelect.options].some((option) => Number(option.value) === saved) ? saved : DEFAULT_CAP;
}
capSelect.value = String(readCap());
capSelect.addEventListener('change', () => {
  localStorage.setItem(CAP_ITEM, capSelect.value);
  store?.setCap(Number(capSelect.value));
});

// --- feed: the processing queue ---------------------------------------------------------------

type QueueItem =
  | { readonly kind: 'live'; readonly cursor: string; readonly data: string; readonly receivedAt: number }
  | { readonly kind: 'restored'; readonly stored: StoredEvent }
  | { readonly kind: 'reset'; readonly payload: ResetPayload };

/** Kept events that pass the filters, oldest first: what the feed lists, newest at the top. */
let matching: LoggedEvent<undefined>[] = [];
/** The feed needs drawing again (new events, a filter, a scroll). */
let feedDirty = false;
/** `--row` from the page's CSS, read once. */
let rowHeight: number | undefined;

function handleItem(item: QueueItem): void {
  if (item.kind === 'reset') {
    applyReset(item.payload);
    return;
  }
  const entry = item.kind === 'restored' ? item.stored : readLive(item);
  if (!entry || log.has(entry.cursor)) return;
  const logged = { ...entry, row: undefined };
  for (const old of log.add(logged) ?? []) {
    if (matching[0] === old) matching.shift();
  }
  if (matchesFilter(entry.event, filter)) matching.push(logged);
  feedDirty = true;
  if (item.kind === 'live') store?.add(item.cursor, item.data, item.receivedAt);
  timeline.add(entry.event, entry.receivedAt);
  rememberValues(entry.event);
  lastEventAt = entry.receivedAt;
}

/**
 * Draws the rows near the viewport (and `OVERSCAN` either side) into a list as tall as all of
 * them: one `replaceChildren`, whatever the number of events.
 */
function drawFeed(): void {
  if (!feedDirty) return;
  feedDirty = false;
  const total = matching.length;
  rowHeight ??= Number.parseFloat(getComputedStyle(feed).getPropertyValue('--row')) || 60;
  const { first, last } = rowWindow(
    total,
    rowHeight,
    -feed.getBoundingClientRect().top,
    innerHeight,
    OVERSCAN,
  );
  const drawn: HTMLLIElement[] = [];
  for (let i = first; i < last; i++) drawn.push(rowFor(matching[total - 1 - i]!));
  feed.style.height = `${total * rowHeight}px`;
  feed.style.paddingTop = `${first * rowHeight}px`;
  syncChildren(feed, drawn);
}

const drawFeedSoon = throttle(() => requestAnimationFrame(drawFeed), FEED_INTERVAL_MS);

function redrawFeed(): void {
  feedDirty = true;
  drawFeedSoon();
}
addEventListener('scroll', redrawFeed, { passive: true });
addEventListener('resize', redrawFeed);

/** One frame's DOM update. */
function commitFrame(): void {
  if (feedDirty) drawFeedSoon();
  showCounter();
  showTimeline();
  showConnection();
}

const queue = createFrameQueue<QueueItem>({
  handle: handleItem,
  commit: commitFrame,
  budgetMs: FRAME_BUDGET_MS,
});

function readLive(item: { cursor: string; data: string; receivedAt: number }) {
  const reading = readCloudEventFrame(item.data);
  if (!reading.ok) {
    malformed++;
    console.warn(
      `cloudevents-player: skipped a malformed event at cursor ${item.cursor} (${reading.reason})`,
    );
    return undefined;
  }
  return { cursor: item.cursor, event: reading.event, receivedAt: item.receivedAt };
}

function renderRow(cursor: string, event: CloudEventJson, receivedAt: number): HTMLLIElement {
  const row = document.createElement('li');
  row.className = 'event';
  row.tabIndex = 0;
  row.dataset.cursor = cursor;
  if (typeof event.id === 'string') row.dataset.eventId = event.id;

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
  matching = [];
  redrawFeed();
  timeline.clear();
  for (const attribute of FILTER_ATTRIBUTES) {
    known[attribute].clear();
    element(`known-${attribute}`).replaceChildren();
  }
  select(undefined);
}

const RESET_EXPLANATIONS: Record<string, string> = {
  evicted: 'the events after the last one kept here were already dropped from the buffer',
  epoch: 'the player lost its log (restarted with a memory store, or its storage was replaced)',
  future: 'this page was ahead of the player',
  malformed: 'the resume position was not recognised',
};

/**
 * `evicted`: the events kept here are still the player's (same log), only some after them are
 * gone, so the history stays and the gap is said. Any other reason: the log is not the one the
 * history came from, so the page and the device forget it and rebuild from the stream.
 */
function applyReset(payload: ResetPayload): void {
  const why = RESET_EXPLANATIONS[payload.reason] ?? payload.reason;
  if (payload.reason === 'evicted' && log.count > 0) {
    say(`Some events were missed: ${why}. The history on this device is kept; newer events follow.`);
    return;
  }
  clearFeed();
  void store?.clear();
  say(`Rebuilt from the player's buffer: ${why}. The history on this device was cleared.`);
}

// --- filters and detail ---------------------------------------------------------------------

function applyFilter(): void {
  const data = new FormData(filters);
  filter = {
    type: String(data.get('type') ?? ''),
    source: String(data.get('source') ?? ''),
    subject: String(data.get('subject') ?? ''),
  };
  matching = log.entries.filter((entry) => matchesFilter(entry.event, filter));
  // Typing gets its answer at once, not on the next redraw tick.
  feedDirty = true;
  drawFeed();
  renderCounter();
  drawTimeline(chart, legend, timeline.window(Date.now(), filter));
}

filters.addEventListener('input', applyFilter);
filters.addEventListener('reset', () => setTimeout(applyFilter));
filters.addEventListener('submit', (event) => event.preventDefault());

function select(cursor: string | undefined): void {
  const previous = selected === undefined ? undefined : log.find(selected);
  if (previous) rows.get(previous)?.removeAttribute('aria-selected');
  const entry = cursor === undefined ? undefined : log.find(cursor);
  selected = entry?.cursor;
  detailEmpty.hidden = entry !== undefined;
  detailBody.hidden = entry === undefined;
  if (entry) showDetail(entry);
}

function showDetail(entry: LoggedEvent<undefined>): void {
  rowFor(entry).setAttribute('aria-selected', 'true');
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

// --- sign-in (AUTH_TOKENS) ------------------------------------------------------------------

function showSignIn(message: string | undefined): void {
  signInForm.hidden = false;
  signInError.textContent = message ?? '';
  signInForm.querySelector('input')?.focus();
}

signInForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = String(new FormData(signInForm).get('key') ?? '').trim();
  const refused = await auth.signIn(key);
  if (refused !== undefined) return showSignIn(refused);
  signInForm.hidden = true;
  say(undefined);
  startClient(client?.lastEventId ?? resumeFrom);
});

// --- stream -----------------------------------------------------------------------------------

function onFailure(error: EventStreamError): void {
  showConnection();
  const from = lastRefusal ? `: ${lastRefusal}` : '';
  if (error.code === 'UNAUTHORIZED' && error.fatal) {
    auth.signOut();
    showSignIn(`Signed out (HTTP 401)${from}`);
  } else if (error.code === 'FORBIDDEN') {
    say(`Stopped: no permission to read this stream (HTTP 403)${from}`);
  } else if (error.code === 'SERVER_ERROR') {
    console.error(`cloudevents-player: the stream answered HTTP ${error.status}${from}`);
    const seconds = Math.ceil((client?.metrics.retryDelayMs ?? 0) / 1000);
    say(`The player answered HTTP ${error.status}${from} — retrying in ${seconds} s.`);
  } else if (error.fatal) {
    say(`Stopped: ${error.message}`);
  }
}

/** The cursor of the newest event on the device: the first connection resumes after it. */
let resumeFrom: string | undefined;

function startClient(lastEventId: string | undefined): void {
  client?.close();
  client = createEventStreamClient(new URL('/stream', location.href), {
    fetch: watchedFetch,
    ...(lastEventId === undefined ? {} : { lastEventId }),
    ...(authEnabled ? { headers: () => auth.headers(), onUnauthorized: () => auth.refresh() } : {}),
    // Two silent heartbeats (the seed: "if no ping after 60 s, assume the connection dead").
    heartbeatTimeoutMs: pageHeartbeatTimeoutMs(),
    // A local player comes back quickly: do not wait the default 30 s between attempts.
    backoff: { maxMs: 5_000 },
    onEvent(event) {
      // Without a cursor an event cannot be told apart from a repeat; the server always sends one.
      if (event.event === 'cloudevent' && event.id !== undefined) {
        queue.push({ kind: 'live', cursor: event.id, data: event.data, receivedAt: Date.now() });
      } else if (event.event === 'ping') {
        lastPingAt = Date.now();
        showConnection();
      }
    },
    onReset(payload) {
      queue.push({ kind: 'reset', payload });
    },
    onCaughtUp(info) {
      if (notice.textContent?.startsWith('The player answered')) say(undefined);
      syncText.textContent = `caught up ${info.replayed} event${info.replayed === 1 ? '' : 's'} in ${Math.round(info.timeToSyncMs)} ms`;
    },
    onStatus(next) {
      status = next;
      // "caught up …" describes the connection that just ended.
      if (next === 'reconnecting') syncText.textContent = '';
      showConnection();
    },
    onError: onFailure,
  });
  status = client.status;
  showConnection();
}

async function openHistory(): Promise<void> {
  try {
    store = await openEventStore(
      readCap(),
      (error) => say(`Could not save events on this device (${String(error)}); they are shown but not kept.`),
      showCounter,
    );
    const history = await store.load();
    for (const stored of history.events) queue.push({ kind: 'restored', stored });
    resumeFrom = history.lastCursor;
  } catch (error) {
    store = undefined;
    say(`Events are not kept on this device: IndexedDB is unavailable (${String(error)}).`);
  }
}

async function main(): Promise<void> {
  showConnection();
  showCounter();
  showTimeline();
  await openHistory();
  showCounter();
  if (!authEnabled) return startClient(resumeFrom);
  if (auth.hasKey && (await auth.refresh())) return startClient(resumeFrom);
  status = 'closed';
  showConnection();
  showSignIn(undefined);
}

void main();
addEventListener('pagehide', () => client?.close());
