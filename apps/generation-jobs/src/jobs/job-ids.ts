import { randomBytes } from 'node:crypto';

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A new job id: 16 URL-safe characters (96 random bits), unguessable by another user. */
export function newJobId(): string {
  return randomBytes(12).toString('base64url');
}

/** True for a string that can be a job id (anything else in a URL is a 404, never a lookup). */
export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID.test(value);
}

/** The hub stream, and lifecycle stream id, of a job. */
export function jobStream(id: string): string {
  return `job:${id}`;
}

export function jobUrls(id: string): { streamUrl: string; recoverUrl: string; cancelUrl: string } {
  return {
    streamUrl: `/jobs/${id}/stream`,
    recoverUrl: `/jobs/${id}/recover`,
    cancelUrl: `/jobs/${id}/cancel`,
  };
}

/** The job id of a hub stream, or undefined for a stream that is not a job's. */
export function jobIdOfStream(streamId: string): string | undefined {
  const id = streamId.startsWith('job:') ? streamId.slice('job:'.length) : undefined;
  return isJobId(id) ? id : undefined;
}
