/**
 * The page at `/`: start a job, watch its text grow token by token, and survive a reload. The job
 * (id, text so far) lives in `sessionStorage`, and the client keeps its cursor there too, so a
 * reloaded page shows the text it had and resumes the stream right after the last token it showed
 * — nothing repeated, nothing missing. The user lives in `localStorage`, so a tab opened later
 * (after closing this one) is the same user and finds every job in "Your jobs".
 */
import {
  type ClientStatus,
  createEventStreamClient,
  type EventStreamClient,
  type StreamEvent,
} from '@resumable-sse/client';
import { pageHeartbeatTimeoutMs } from '@resumable-sse/demo-support/page';
import {
  COMPLETED_EVENT,
  FAILED_EVENT,
  type JobFailure,
  type JobResult,
  type JobSummary,
  TOKEN_EVENT,
  type TokenData,
} from '../jobs/job-events.ts';
import { createJobList } from './job-list.ts';

type JobState = 'running' | 'completed' | 'failed' | 'expired' | 'missing';

/** What the page keeps of its job across reloads. */
interface SavedJob {
  readonly id: string;
  readonly type: string;
  readonly streamUrl: string;
  readonly prompt: string;
  readonly tokens: number;
  text: string;
  /** Tokens shown so far; the next token's `index` should equal it. */
  received: number;
  /** Tokens that arrived out of order or twice (never, with a correct server). */
  anomalies: number;
  state: JobState;
  detail: string;
}

const JOB_KEY = 'generation-jobs:job';
const USER_KEY = 'generation-jobs:user';
const cursorKey = (id: string) => `generation-jobs:cursor:${id}`;
const heartbeatTimeoutMs = pageHeartbeatTimeoutMs();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('new-job');
const promptInput = $<HTMLTextAreaElement>('prompt');
const tokensInput = $<HTMLInputElement>('tokens');
const delayInput = $<HTMLInputElement>('delay');
const typeInput = $<HTMLSelectElement>('type');
const startButton = $<HTMLButtonElement>('start');
const formError = $('form-error');
const section = $('job');
const stateBadge = $('state');
const stateText = $('state-text');
const progress = $('progress');
const jobIdText = $('job-id');
const jobPrompt = $('job-prompt');
const output = $('output');
const detail = $('detail');
const notice = $('notice');
const cancelButton = $<HTMLButtonElement>('cancel');
const clearButton = $<HTMLButtonElement>('clear');
const connection = $('connection');
const connectionText = $('connection-text');
const syncText = $('sync');
const jobType = $('job-type');

const user = sessionUser();
$('user').textContent = `signed in as ${user}`;
const authorization = { Authorization: `Bearer ${user}` };

let job: SavedJob | undefined = loadJob();
let client: EventStreamClient | undefined;

/** One user per browser profile (every tab, and tabs opened after this one closed). */
function sessionUser(): string {
  const saved = localStorage.getItem(USER_KEY);
  if (saved) return saved;
  const random = crypto.getRandomValues(new Uint8Array(4));
  const name = `user-${[...random].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  localStorage.setItem(USER_KEY, name);
  return name;
}

function loadJob(): SavedJob | undefined {
  try {
    const raw = sessionStorage.getItem(JOB_KEY);
    return raw ? (JSON.parse(raw) as SavedJob) : undefined;
  } catch {
    return undefined;
  }
}

/** Written in the same task as the client's cursor, so a reload never sees one without the other. */
function saveJob(): void {
  if (job) sessionStorage.setItem(JOB_KEY, JSON.stringify(job));
}

const STATE_LABELS: Record<JobState, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  expired: 'Expired',
  missing: 'Not found',
};

const STATUS_LABELS: Record<ClientStatus, string> = {
  connecting: 'Connecting',
  'catching-up': 'Catching up',
  live: 'Live',
  reconnecting: 'Reconnecting',
  closed: 'Idle',
};

function render(): void {
  section.hidden = job === undefined;
  if (!job) return;
  section.dataset.state = job.state;
  section.dataset.received = String(job.received);
  section.dataset.anomalies = String(job.anomalies);
  stateBadge.dataset.state = job.state;
  stateText.textContent = STATE_LABELS[job.state];
  progress.textContent = `${job.received} / ${job.tokens} tokens`;
  jobIdText.textContent = job.id;
  jobType.textContent = job.type;
  jobPrompt.textContent = job.prompt;
  output.textContent = job.text;
  detail.textContent = job.detail;
  cancelButton.disabled = job.state !== 'running';
  notice.hidden = job.anomalies === 0;
  notice.textContent = job.anomalies === 0 ? '' : `${job.anomalies} token(s) arrived out of order or twice.`;
}

function showStatus(status: ClientStatus): void {
  connection.dataset.status = status;
  connectionText.textContent = STATUS_LABELS[status];
}

function onEvent(event: StreamEvent): void {
  if (!job) return;
  if (event.event === TOKEN_EVENT) {
    const token = JSON.parse(event.data) as TokenData;
    if (token.index !== job.received) job.anomalies += 1;
    job.text += token.text;
    job.received += 1;
  } else if (event.event === COMPLETED_EVENT) {
    const { result } = JSON.parse(event.data) as { result: JobResult };
    finish('completed', `Done: ${result.tokens} tokens.`);
    if (result.text !== job.text) {
      // Tokens were dropped from the server's buffer before this page saw them: show the whole result.
      job.text = result.text;
      job.detail += ' Some tokens had left the buffer; showing the full result.';
    }
  } else if (event.event === FAILED_EVENT) {
    const failure = JSON.parse(event.data) as JobFailure;
    finish('failed', describeFailure(failure));
  }
  saveJob();
  render();
}

function describeFailure(failure: JobFailure): string {
  if (failure.reason === 'cancelled') return 'Cancelled.';
  if (failure.reason === 'orphaned') return 'The server running this job stopped.';
  return failure.message ?? 'The job failed.';
}

/** The job is over: no more connections for it. */
function finish(state: JobState, text: string): void {
  if (!job) return;
  job.state = state;
  job.detail = text;
  client?.close();
  client = undefined;
  void jobList.refresh();
}

function watch(watched: SavedJob): void {
  client?.close();
  client = createEventStreamClient(watched.streamUrl, {
    headers: authorization,
    storage: sessionStorage,
    storageKey: cursorKey(watched.id),
    // Two silent heartbeats, from the server's HEARTBEAT_MS (0: none, so never).
    heartbeatTimeoutMs,
    backoff: { initialMs: 500, maxMs: 5_000 },
    onEvent,
    onReset() {
      // The server could not resume where this page was: what follows rebuilds the text.
      watched.text = '';
      watched.received = 0;
      watched.anomalies = 0;
      saveJob();
      render();
    },
    onCaughtUp(info) {
      syncText.textContent = `caught up ${info.replayed} event${info.replayed === 1 ? '' : 's'} in ${Math.round(info.timeToSyncMs)} ms`;
    },
    onStatus: showStatus,
    onError(error) {
      if (!error.fatal || job !== watched) return;
      // 204: the cursor is the terminal event, so the page already showed everything.
      if (error.code === 'NO_CONTENT') void settleFromRecovery(watched);
      else {
        finish('missing', error.status === 404 ? 'This job is gone (expired, or not yours).' : error.message);
        saveJob();
        render();
      }
    },
  });
  showStatus(client.status);
}

/** Reads the job's terminal event from its recover view. */
async function settleFromRecovery(watched: SavedJob): Promise<void> {
  const response = await fetch(`/jobs/${watched.id}/recover`, { headers: authorization });
  if (!response.ok || job !== watched) return;
  const view = (await response.json()) as { terminal: { event: string; data: unknown } | null };
  if (view.terminal?.event === COMPLETED_EVENT) finish('completed', 'Done.');
  else if (view.terminal) finish('failed', describeFailure(view.terminal.data as JobFailure));
  saveJob();
  render();
}

async function startJob(): Promise<void> {
  formError.hidden = true;
  startButton.disabled = true;
  try {
    const response = await fetch('/jobs', {
      method: 'POST',
      headers: { ...authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: typeInput.value,
        prompt: promptInput.value,
        tokens: tokensInput.valueAsNumber,
        delayMs: delayInput.valueAsNumber,
      }),
    });
    const body = (await response.json()) as { id: string; streamUrl: string; error?: string };
    if (response.status !== 201) throw new Error(body.error ?? `HTTP ${response.status}`);
    forgetJob();
    job = {
      id: body.id,
      type: typeInput.value,
      streamUrl: body.streamUrl,
      prompt: promptInput.value,
      tokens: tokensInput.valueAsNumber,
      text: '',
      received: 0,
      anomalies: 0,
      state: 'running',
      detail: '',
    };
    saveJob();
    render();
    watch(job);
    void jobList.refresh();
  } catch (error) {
    formError.hidden = false;
    formError.textContent = error instanceof Error ? error.message : String(error);
  } finally {
    startButton.disabled = false;
  }
}

/**
 * Opens a job from the list. A running one is watched from its first token (the text so far,
 * then live); a finished one is rebuilt from its recover view: the retained tokens, and the
 * result while the terminal event is kept.
 */
async function openJob(summary: JobSummary): Promise<void> {
  if (job?.id === summary.id) return;
  forgetJob();
  sessionStorage.removeItem(cursorKey(summary.id));
  const opened: SavedJob = {
    id: summary.id,
    type: summary.type,
    streamUrl: summary.streamUrl,
    prompt: String(summary.prompt ?? ''),
    tokens: Number(summary.tokens ?? 0),
    text: '',
    received: 0,
    anomalies: 0,
    state: 'running',
    detail: '',
  };
  job = opened;
  if (summary.state === 'active') {
    saveJob();
    render();
    watch(opened);
    // Marks it as the open one in the list.
    void jobList.refresh();
    return;
  }
  const response = await fetch(summary.recoverUrl, { headers: authorization });
  if (job !== opened) return;
  if (!response.ok) {
    finish('missing', 'This job is gone (expired, or not yours).');
  } else {
    settleFromView(opened, (await response.json()) as RecoverView);
  }
  saveJob();
  render();
}

interface RecoverView {
  readonly status: string;
  readonly events: readonly { event: string; data: unknown }[];
  readonly terminal: { event: string; data: unknown } | null;
}

/** A finished job as its recover view tells it; the log's own terminal event outlives the record's. */
function settleFromView(opened: SavedJob, view: RecoverView): void {
  for (const event of view.events) {
    if (event.event !== TOKEN_EVENT) continue;
    opened.text += (event.data as TokenData).text;
    opened.received += 1;
  }
  const terminal =
    view.terminal ??
    view.events.find((event) => event.event === COMPLETED_EVENT || event.event === FAILED_EVENT);
  if (terminal?.event === COMPLETED_EVENT) {
    const { result } = terminal.data as { result: JobResult };
    opened.text = result.text;
    opened.received = result.tokens;
  }
  const failure = terminal?.event === FAILED_EVENT ? describeFailure(terminal.data as JobFailure) : undefined;
  if (view.status === 'expired') {
    finish(
      'expired',
      `Expired: its result is no longer kept${terminal ? ', the retained events show how it ended.' : '.'}${failure ? ` ${failure}` : ''}`,
    );
  } else if (terminal?.event === COMPLETED_EVENT) finish('completed', `Done: ${opened.received} tokens.`);
  else finish('failed', failure ?? 'The job failed.');
}

function forgetJob(): void {
  client?.close();
  client = undefined;
  if (job) sessionStorage.removeItem(cursorKey(job.id));
  sessionStorage.removeItem(JOB_KEY);
  job = undefined;
  syncText.textContent = '';
  showStatus('closed');
  render();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void startJob();
});
clearButton.addEventListener('click', forgetJob);
cancelButton.addEventListener('click', () => {
  if (!job) return;
  cancelButton.disabled = true;
  // The job's `failed` event arrives on the stream; the answer itself adds nothing to show.
  void fetch(`/jobs/${job.id}/cancel`, { method: 'POST', headers: authorization });
});

const jobList = createJobList({
  list: $<HTMLUListElement>('job-list'),
  more: $<HTMLButtonElement>('more-jobs'),
  empty: $('no-jobs'),
  headers: authorization,
  describeFailure,
  onOpen: (summary) => void openJob(summary),
  currentId: () => job?.id,
});

showStatus('closed');
render();
if (job?.state === 'running') watch(job);
