import type { SsePlainResponse } from '@resumable-sse/core';
import type { Context, Env } from 'hono';
import type { StatusCode } from 'hono/utils/http-status';

export function plainResponse<E extends Env>(c: Context<E>, plan: SsePlainResponse): Response {
  // A 204 (preflight) must have a null body: Web `Response` throws on an empty string.
  const body = plan.body === '' ? null : plan.body;
  return c.newResponse(body, { status: plan.status as StatusCode, headers: plan.headers });
}
