import type { AuthorizationRefusal } from '@resumable-sse/core';
import type { LifecycleStore, StreamRecord } from '@resumable-sse/core/lifecycle';
import type { FastifyRequest } from 'fastify';
import { isJobId, jobStream } from '../jobs/job-ids.ts';
import { bearerUser } from './bearer-user.ts';

/** A request allowed to see a job, with what the check found. */
export interface JobGrant {
  readonly ok: true;
  readonly user: string;
  readonly id: string;
  /** The job's hub stream and lifecycle stream id. */
  readonly streamId: string;
  readonly record: StreamRecord;
}

export interface JobRefusal {
  readonly ok: false;
  readonly refusal: AuthorizationRefusal;
}

export const AUTHENTICATION_REQUIRED: AuthorizationRefusal = {
  status: 401,
  message: 'Send "Authorization: Bearer <token>"; in this demo any non-empty token names a user.',
  headers: { 'WWW-Authenticate': 'Bearer realm="generation-jobs"' },
};

/** The user a request names, or undefined (answer 401). */
export function requestUser(request: FastifyRequest): string | undefined {
  return bearerUser(request.headers.authorization);
}

/**
 * The authorization check of every `/jobs/:id/…` route: no credentials → 401; a job that does
 * not exist, has expired, or belongs to someone else → 404 (the same answer, so ids of other
 * users' jobs cannot be probed). A real deployment replaces `requestUser` with its own check.
 */
export function createJobAccess(lifecycle: LifecycleStore) {
  return async function checkJobAccess(request: FastifyRequest): Promise<JobGrant | JobRefusal> {
    const user = requestUser(request);
    if (user === undefined) return { ok: false, refusal: AUTHENTICATION_REQUIRED };
    const id = (request.params as { id?: unknown } | undefined)?.id;
    if (!isJobId(id)) return notFound(String(id));
    const streamId = jobStream(id);
    const record = await lifecycle.get(streamId);
    if (record === null || record.owner !== user) return notFound(id);
    return { ok: true, user, id, streamId, record };
  };
}

export type JobAccessCheck = ReturnType<typeof createJobAccess>;

function notFound(id: string): JobRefusal {
  return {
    ok: false,
    refusal: { status: 404, message: `No job ${JSON.stringify(id.slice(0, 64))} for this user.` },
  };
}
