/**
 * The overlay: every envelope the sidecar holds, newest first, kept exactly in step with the
 * server across disconnects by `@resumable-sse/client` (resume by cursor, `reset` → rebuild).
 * Runs in the browser; bundled by `overlay-page.ts`.
 */
import { type ClientStatus, createEventStreamClient, type StreamEvent } from '@resumable-sse/client';
import { pageHeartbeatTimeoutMs } from '@resumable-sse/demo-support/page';
import { type EnvelopeSummary, summarizeEnvelope } from './summarize-envelope.ts';

/** Rows kept in the page; older ones leave the DOM (the count still counts them). */
const MAX_ROWS = 2_000;

const STATUS_LABELS: Record<ClientStatus, string> = {
  connecting: 'Connecting',
  'catching-up': 'Catching up',
  live: 'Live',
  reconnecting: 'Reconnecting',
  closed: 'Disconnected',
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`overlay: #${id} is missing from the page`);
  return found as T;
}

const list = element<HTMLOListElement>('envelopes');
const statusBadge = element('status');
const statusText = element('status-text');
const countText = element('count');
const syncText = element('sync');
const notice = element('notice');
const empty = element('empty');
const streamUrl = new URL('/stream', location.href).toString();
element('stream-url').textContent = streamUrl;

let count = 0;

function showStatus(status: ClientStatus): void {
  statusBadge.dataset.status = status;
  statusText.textContent = STATUS_LABELS[status];
}

function showCount(): void {
  countText.textContent = `${count} envelope${count === 1 ? '' : 's'}`;
  empty.hidden = count > 0;
}

function addEnvelope(event: StreamEvent): void {
  let summary: EnvelopeSummary;
  try {
    summary = summarizeEnvelope(JSON.parse(event.data));
  } catch {
    summary = summarizeEnvelope(undefined);
  }
  list.prepend(renderRow(summary, event.id));
  while (list.childElementCount > MAX_ROWS) list.lastElementChild?.remove();
  count++;
  showCount();
}

function renderRow(summary: EnvelopeSummary, cursor: string | undefined): HTMLLIElement {
  const row = document.createElement('li');
  row.className = `envelope kind-${summary.kind}`;
  if (summary.level) row.dataset.level = summary.level;
  if (cursor) row.dataset.cursor = cursor;
  if (summary.eventId) row.dataset.eventId = summary.eventId;

  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = summary.kind;

  const main = document.createElement('div');
  main.className = 'main';
  const title = document.createElement('div');
  title.className = 'title';
  title.textContent = summary.title;
  title.title = summary.title;
  const detail = document.createElement('div');
  detail.className = 'detail';
  detail.textContent = [
    summary.level === summary.kind ? undefined : summary.level,
    summary.detail,
    describeItems(summary),
  ]
    .filter((part) => part !== undefined && part !== '')
    .join(' · ');
  main.append(title, detail);

  const time = document.createElement('time');
  if (summary.timestamp !== undefined) {
    const when = new Date(summary.timestamp);
    time.dateTime = when.toISOString();
    time.textContent = when.toLocaleTimeString();
  }
  row.append(kind, main, time);
  return row;
}

/** Item types are worth a mention when there is more than the item the row is about. */
function describeItems(summary: EnvelopeSummary): string | undefined {
  const { itemTypes, kind } = summary;
  if (kind === 'other') return undefined;
  return itemTypes.length > 1 ? itemTypes.join(' + ') : undefined;
}

function clearEnvelopes(): void {
  list.replaceChildren();
  count = 0;
  showCount();
}

const RESET_EXPLANATIONS: Record<string, string> = {
  evicted: 'the envelopes after the last one shown were already dropped from the buffer',
  epoch: 'the sidecar lost its log (restarted with a memory store, or its storage was replaced)',
  future: 'this page was ahead of the sidecar',
  malformed: 'the resume position was not recognised',
};

/** Set by a `cleared` event: the `reset` that follows on the new log is the clear, not a loss. */
let clearedByRequest = false;

function showNotice(text: string): void {
  notice.hidden = false;
  notice.textContent = text;
}

const client = createEventStreamClient(streamUrl, {
  // Two silent heartbeats, from the sidecar's HEARTBEAT_MS (0: none, so never).
  heartbeatTimeoutMs: pageHeartbeatTimeoutMs(),
  onEvent(event) {
    if (event.event === 'application/x-sentry-envelope') addEnvelope(event);
    // `DELETE /clear` (Spotlight's "Clear Events"): the log starts afresh.
    if (event.event === 'cleared') {
      clearedByRequest = true;
      clearEnvelopes();
      showNotice('The sidecar was cleared.');
    }
  },
  onReset(payload) {
    clearEnvelopes();
    if (clearedByRequest) {
      clearedByRequest = false;
      return;
    }
    showNotice(`Rebuilt from the sidecar's buffer: ${RESET_EXPLANATIONS[payload.reason] ?? payload.reason}.`);
  },
  onCaughtUp(info) {
    syncText.textContent = `caught up ${info.replayed} event${info.replayed === 1 ? '' : 's'} in ${Math.round(info.timeToSyncMs)} ms`;
  },
  onStatus: showStatus,
  onError(error) {
    statusBadge.title = error.message;
  },
});

showStatus(client.status);
showCount();
