/**
 * The page at `/`: start a job, watch its text grow token by token, and survive a reload. The job
 * (id, text so far) lives in `sessionStorage`, and the client keeps its cursor there too, so a
 * reloaded page shows the text it had and resumes the stream right after the last token it showed
 * — nothing repeated, nothing missing.
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
  TOKEN_EVENT,
  type TokenData,
} from '../jobs/job-events.ts';

type JobState = 'running' | 'completed' | 'failed' | 'missing';

/** What the page keeps of its job across reloads. */
interface SavedJob {
  readonly id: string;
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

const user = sessionUser();
$('user').textContent = `signed in as ${user}`;
const authorization = { Authorization: `Bearer ${user}` };

let job: SavedJob | undefined = loadJob();
let client: EventStreamClient | undefined;

function sessionUser(): string {
  const saved = sessionStorage.getItem(USER_KEY);
  if (saved) return saved;
  const random = crypto.getRandomValues(new Uint8Array(4));
  const name = `user-${[...random].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  sessionStorage.setItem(USER_KEY, name);
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
  } catch (error) {
    formError.hidden = false;
    formError.textContent = error instanceof Error ? error.message : String(error);
  } finally {
    startButton.disabled = false;
  }
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

showStatus('closed');
render();
if (job?.state === 'running') watch(job);
