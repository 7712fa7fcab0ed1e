import { fileURLToPath } from 'node:url';
import { openSse, type RawSseConnection, waitUntil } from '@resumable-sse/testkit/http';
import type { JobList, JobSummary } from '../jobs/job-events.ts';
import type { GuardianReport } from '../metrics.ts';

/** The app's entry, for `startApp` and `runUntilExit`. */
export const JOBS_ENTRY = fileURLToPath(new URL('../main.ts', import.meta.url));

export interface JsonResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export function bearer(user: string): Record<string, string> {
  return { authorization: `Bearer ${user}` };
}

/** Any request; the body is parsed as JSON when there is one (an empty object otherwise). */
export async function request<T = Record<string, unknown>>(
  url: string,
  init: RequestInit = {},
): Promise<JsonResponse<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

export interface CreatedJob {
  readonly id: string;
  readonly streamUrl: string;
  readonly recoverUrl: string;
  readonly cancelUrl: string;
}

/** `POST /jobs` as `user`; fails the test unless it answers 201. */
export async function createJob(
  baseUrl: string,
  user: string,
  job: { prompt: string; tokens?: number; delayMs?: number; type?: string },
): Promise<CreatedJob> {
  const response = await request<CreatedJob>(`${baseUrl}/jobs`, {
    method: 'POST',
    headers: { ...bearer(user), 'content-type': 'application/json' },
    body: JSON.stringify(job),
  });
  if (response.status !== 201) {
    throw new Error(`POST /jobs answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

export interface RecoveryView {
  readonly id: string;
  readonly status: string;
  readonly job: { type: string; prompt: string; tokens: number; delayMs: number } | null;
  readonly events: { id: string; event: string; data: { index: number; text: string }; time: string }[];
  readonly truncated: boolean;
  readonly terminal: { id: string; event: string; state: string; data: Record<string, unknown> } | null;
}

export function recover(baseUrl: string, user: string, id: string): Promise<JsonResponse<RecoveryView>> {
  return request<RecoveryView>(`${baseUrl}/jobs/${id}/recover`, { headers: bearer(user) });
}

/** `GET /jobs` as `user`, with an optional query such as `?limit=2`. */
export function listJobs(baseUrl: string, user: string, query = ''): Promise<JsonResponse<JobList>> {
  return request<JobList>(`${baseUrl}/jobs${query}`, { headers: bearer(user) });
}

/** Every page of the user's jobs, following `next`. */
export async function allJobs(baseUrl: string, user: string, limit: number): Promise<JobSummary[]> {
  const jobs: JobSummary[] = [];
  let after: string | null = null;
  do {
    const query: string = `?limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const page = await listJobs(baseUrl, user, query);
    if (page.status !== 200)
      throw new Error(`GET /jobs answered ${page.status}: ${JSON.stringify(page.body)}`);
    jobs.push(...page.body.jobs);
    after = page.body.next;
  } while (after !== null);
  return jobs;
}

/** The JSON lines the guardian logged (`{"msg":"guardian check",…}`). */
export function guardianReports(output: string): GuardianReport[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{"msg":"guardian check"'))
    .map((line) => JSON.parse(line) as GuardianReport);
}

export function cancel(baseUrl: string, user: string, id: string): Promise<JsonResponse> {
  return request(`${baseUrl}/jobs/${id}/cancel`, { method: 'POST', headers: bearer(user) });
}

/** Polls the recover view until the job has ended; returns that view. */
export async function waitForEnd(
  baseUrl: string,
  user: string,
  id: string,
  timeoutMs = 15_000,
): Promise<RecoveryView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await recover(baseUrl, user, id);
    if (view.body.terminal !== null) return view.body;
    if (Date.now() > deadline)
      throw new Error(`job ${id} did not end within ${timeoutMs} ms: ${view.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens a job's SSE stream as `user`, optionally resuming from `lastEventId`. */
export function openJobStream(
  baseUrl: string,
  user: string | undefined,
  id: string,
  lastEventId?: string,
): Promise<RawSseConnection> {
  const headers: Record<string, string> = user === undefined ? {} : bearer(user);
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  return openSse(`${baseUrl}/jobs/${id}/stream`, { headers });
}

/** The value of one sample in Prometheus text, e.g. `metric(text, 'x_total', '{reason="cancelled"}')`. */
export function metric(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(`${name}${labels} `.length));
}

export async function metrics(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

/** The text of each `token` event the connection received, in order. */
export function tokenTexts(connection: RawSseConnection): string[] {
  return connection.appEvents
    .filter((event) => event.event === 'token')
    .map((event) => (JSON.parse(event.data) as { text: string }).text);
}

/** Resolves once the connection delivered a terminal event (`completed` or `failed`). */
export function waitForTerminal(connection: RawSseConnection, timeoutMs = 10_000): Promise<void> {
  return waitUntil(
    () => connection.appEvents.some((event) => event.event === 'completed' || event.event === 'failed'),
    `a terminal event (have ${connection.appEvents.length} events)`,
    timeoutMs,
  );
}
