/**
 * Script of the browser test page (bundled by esbuild for the browser). It starts either this
 * package's client or `@microsoft/fetch-event-source` against a test server and records what
 * each reports into `window.record`, which the tests read through Playwright.
 */
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { createEventStreamClient } from '../index.ts';
import type { EventStreamClient } from '../types.ts';

export interface PageRecord {
  events: { id: string | undefined; event: string; data: string }[];
  statuses: string[];
  errors: { code: string; fatal: boolean; message: string }[];
  resets: string[];
  /** fetch-event-source: its promise settled. */
  settled: boolean;
}

export interface OursConfig {
  url: string;
  /** Persist the cursor in `sessionStorage` under this key. */
  storageKey?: string;
  initialMs?: number;
  heartbeatTimeoutMs?: number;
  lastEventId?: string;
  abortFirst?: boolean;
}

export interface FetchEventSourceConfig {
  url: string;
  headers?: Record<string, string>;
  abortFirst?: boolean;
}

declare global {
  interface Window {
    record: PageRecord;
    client: EventStreamClient | undefined;
    startOurs(config: OursConfig): void;
    startFetchEventSource(config: FetchEventSourceConfig): void;
  }
}

const fresh = (): PageRecord => ({ events: [], statuses: [], errors: [], resets: [], settled: false });
window.record = fresh();

window.startOurs = (config) => {
  const record = fresh();
  window.record = record;
  const controller = new AbortController();
  if (config.abortFirst) controller.abort();
  window.client = createEventStreamClient(config.url, {
    signal: controller.signal,
    storage: config.storageKey ? sessionStorage : undefined,
    storageKey: config.storageKey,
    lastEventId: config.lastEventId,
    backoff: { initialMs: config.initialMs ?? 50, maxMs: 500 },
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    onEvent: (event) => void record.events.push({ ...event }),
    onStatus: (status) => void record.statuses.push(status),
    onReset: (payload) => void record.resets.push(payload.reason),
    onError: (error) =>
      void record.errors.push({ code: error.code, fatal: error.fatal, message: error.message }),
  });
};

window.startFetchEventSource = (config) => {
  const record = fresh();
  window.record = record;
  const controller = new AbortController();
  if (config.abortFirst) controller.abort();
  void fetchEventSource(config.url, {
    signal: controller.signal,
    headers: config.headers,
    onmessage: (message) =>
      void record.events.push({
        id: message.id || undefined,
        event: message.event || 'message',
        data: message.data,
      }),
    onclose: () => void record.statuses.push('closed-by-server'),
    onerror: (error: unknown) => {
      record.errors.push({ code: 'error', fatal: false, message: String(error) });
    },
  }).finally(() => {
    record.settled = true;
  });
};
