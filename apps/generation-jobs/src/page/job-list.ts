/**
 * The page's "Your jobs" list: the signed-in user's jobs from `GET /jobs`, newest first, kept
 * fresh by polling (a job may end on another instance, or in another tab). Clicking a job opens
 * it in the job panel. Every text comes from the server and is set with `textContent`.
 */
import type { JobFailure, JobList, JobSummary } from '../jobs/job-events.ts';

const PAGE_SIZE = 10;
/** How often the list reads `GET /jobs` again. */
export const JOB_LIST_REFRESH_MS = 2_000;

export interface JobListView {
  /** Reads the first pages again (as many jobs as are shown). */
  refresh(): Promise<void>;
}

export interface JobListOptions {
  readonly list: HTMLUListElement;
  readonly more: HTMLButtonElement;
  readonly empty: HTMLElement;
  readonly headers: Record<string, string>;
  readonly describeFailure: (failure: JobFailure) => string;
  readonly onOpen: (job: JobSummary) => void;
  /** The id of the job the panel shows, marked in the list. */
  readonly currentId: () => string | undefined;
}

const STATE_LABELS: Record<JobSummary['state'], string> = {
  active: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  orphaned: 'Orphaned',
  expired: 'Expired',
};

export function createJobList(options: JobListOptions): JobListView {
  let jobs: JobSummary[] = [];
  let next: string | null = null;
  let reading: Promise<void> | undefined;

  const fetchPage = async (limit: number, after: string | null): Promise<JobList> => {
    const query = `?limit=${limit}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const response = await fetch(`/jobs${query}`, { headers: options.headers, cache: 'no-store' });
    if (!response.ok) throw new Error(`GET /jobs answered ${response.status}`);
    return (await response.json()) as JobList;
  };

  /** Each job's item as last rendered, with what it was rendered from. */
  let rendered = new Map<string, { readonly key: string; readonly element: HTMLLIElement }>();

  /**
   * An item is rebuilt only when its job changed: a poll that swapped every node would swallow a
   * click whose press and release straddle it (the click never reaches either button).
   */
  const render = () => {
    const current = options.currentId();
    const kept = new Map<string, { readonly key: string; readonly element: HTMLLIElement }>();
    const elements = jobs.map((job) => {
      const key = JSON.stringify(job);
      const previous = rendered.get(job.id);
      const entry = previous?.key === key ? previous : { key, element: item(job) };
      kept.set(job.id, entry);
      // Marked in place: opening or clearing a job must not rebuild the item being clicked.
      if (job.id === current) entry.element.dataset.current = 'true';
      else delete entry.element.dataset.current;
      return entry.element;
    });
    rendered = kept;
    const children = options.list.children;
    const unchanged =
      children.length === elements.length && elements.every((element, index) => children[index] === element);
    if (!unchanged) options.list.replaceChildren(...elements);
    options.empty.hidden = jobs.length > 0;
    options.more.hidden = next === null;
  };

  const item = (job: JobSummary): HTMLLIElement => {
    const li = document.createElement('li');
    li.className = 'job-item';
    li.dataset.jobId = job.id;
    li.dataset.state = job.state;
    const button = document.createElement('button');
    button.type = 'button';
    button.addEventListener('click', () => options.onOpen(job));
    const pill = span('pill', '');
    pill.dataset.state = job.state;
    pill.append(span('dot', ''), span('job-state', STATE_LABELS[job.state]));
    button.append(
      pill,
      span('job-type', job.type),
      span('job-prompt', String(job.prompt ?? '')),
      span('job-when', new Date(job.startedAt).toLocaleTimeString()),
      span('job-summary', summary(job)),
    );
    li.append(button);
    return li;
  };

  const summary = (job: JobSummary): string => {
    if (job.state === 'active') return 'running…';
    if (job.state === 'expired') return 'result no longer kept';
    const data = job.terminal?.data as { result?: { text?: string } } | JobFailure | undefined;
    if (job.terminal?.event === 'completed') {
      const text = (data as { result?: { text?: string } }).result?.text ?? '';
      return text.length > 60 ? `${text.slice(0, 60)}…` : text;
    }
    return data ? options.describeFailure(data as JobFailure) : '';
  };

  const refresh = () => {
    // One read at a time: a slow server is not stacked on by the next poll.
    reading ??= (async () => {
      try {
        const page = await fetchPage(Math.min(100, Math.max(PAGE_SIZE, jobs.length)), null);
        jobs = [...page.jobs];
        next = page.next;
        render();
      } catch {
        // The next poll tries again; the panel's own connection reports outages.
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };

  options.more.addEventListener('click', async () => {
    if (next === null) return;
    options.more.disabled = true;
    try {
      const page = await fetchPage(PAGE_SIZE, next);
      const known = new Set(jobs.map((job) => job.id));
      jobs.push(...page.jobs.filter((job) => !known.has(job.id)));
      next = page.next;
      render();
    } finally {
      options.more.disabled = false;
    }
  });
  setInterval(() => {
    if (document.visibilityState === 'visible') void refresh();
  }, JOB_LIST_REFRESH_MS);
  void refresh();
  return { refresh };
}

function span(className: string, text: string): HTMLSpanElement {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  return element;
}
