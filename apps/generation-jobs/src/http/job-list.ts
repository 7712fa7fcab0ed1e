import { isResumableSseError } from '@resumable-sse/core';
import type { LifecycleStore, StreamRecord } from '@resumable-sse/core/lifecycle';
import { HttpError } from '@resumable-sse/demo-support';
import type { JobList, JobStatus, JobSummary } from '../jobs/job-events.ts';
import { jobIdOfStream, jobUrls } from '../jobs/job-ids.ts';
import { jobOf, terminalOf } from './recovery-body.ts';

export const JOB_LIST_LIMITS = { defaultLimit: 20, maxLimit: 100, maxCursorLength: 300 } as const;

/** The checked query of `GET /jobs`: `?limit=1..100&after=<next of the previous page>`. */
export interface JobListQuery {
  readonly limit: number;
  readonly after: string | undefined;
}

export function parseJobListQuery(query: unknown): JobListQuery {
  const fields = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const limit = single(fields, 'limit');
  const after = single(fields, 'after');
  if (limit !== undefined && !/^\d{1,4}$/.test(limit)) throw badLimit(limit);
  const parsed = limit === undefined ? JOB_LIST_LIMITS.defaultLimit : Number(limit);
  if (parsed < 1 || parsed > JOB_LIST_LIMITS.maxLimit) throw badLimit(limit ?? '');
  if (after !== undefined && (after === '' || after.length > JOB_LIST_LIMITS.maxCursorLength)) {
    throw badCursor();
  }
  return { limit: parsed, after };
}

/**
 * One page of the user's jobs, newest first, from the registry's per-owner index (no other
 * user's record is read). A finished job carries its terminal event while the completion record
 * keeps it; after that its state is `expired`.
 */
export async function listJobs(
  lifecycle: LifecycleStore,
  user: string,
  query: JobListQuery,
): Promise<JobList> {
  let page: Awaited<ReturnType<LifecycleStore['pageByOwner']>>;
  try {
    page = await lifecycle.pageByOwner(user, query);
  } catch (error) {
    // The store refuses a cursor it did not write: the client's mistake, not ours.
    if (isResumableSseError(error, 'INVALID_OPTION')) throw badCursor();
    throw error;
  }
  const jobs = await Promise.all(page.records.map((record) => summaryOf(lifecycle, record)));
  return { jobs: jobs.filter((job): job is JobSummary => job !== undefined), next: page.next };
}

async function summaryOf(lifecycle: LifecycleStore, record: StreamRecord): Promise<JobSummary | undefined> {
  const id = jobIdOfStream(record.streamId);
  if (id === undefined) return undefined;
  const ended = record.state !== 'active' && record.state !== 'expired';
  const completion = ended ? await lifecycle.completion(record.streamId) : null;
  return {
    id,
    ...jobOf(record),
    state: record.state as JobStatus,
    terminal: completion && terminalOf(completion),
    ...jobUrls(id),
  };
}

function single(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new HttpError(400, `Give "${name}" once.`);
}

function badLimit(value: string): HttpError {
  return new HttpError(
    400,
    `"limit" must be a whole number from 1 to ${JOB_LIST_LIMITS.maxLimit} (default ${JOB_LIST_LIMITS.defaultLimit}), got ${JSON.stringify(value.slice(0, 20))}.`,
  );
}

function badCursor(): HttpError {
  return new HttpError(
    400,
    '"after" must be the "next" of an earlier page of GET /jobs; start again without it.',
  );
}
