import type { Hub } from '@resumable-sse/core';
import { type CompletionRecord, type LifecycleStore, recoverStream } from '@resumable-sse/core/lifecycle';
import { errorBody, HttpError, mediaType } from '@resumable-sse/demo-support';
import { resumableSse, type SseReplyOptions, sseRoute } from '@resumable-sse/fastify';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { createErrorHandler, sendRefusal } from './http/errors.ts';
import { AUTHENTICATION_REQUIRED, createJobAccess, requestUser } from './http/job-access.ts';
import { listJobs, parseJobListQuery } from './http/job-list.ts';
import { recoveryBody } from './http/recovery-body.ts';
import { isJobId, jobStream, jobUrls } from './jobs/job-ids.ts';
import { parseJobRequest } from './jobs/job-request.ts';
import type { JobRunner } from './jobs/job-runner.ts';
import type { JobMetrics } from './metrics.ts';
import type { JobsPage } from './page/jobs-page.ts';

export interface JobsAppOptions {
  readonly hub: Hub;
  readonly lifecycle: LifecycleStore;
  readonly runner: JobRunner;
  readonly metrics: JobMetrics;
  /** The page served at `GET /`. */
  readonly page: JobsPage;
  /** Largest `POST /jobs` body, in bytes. */
  readonly maxBodyBytes: number;
  /** Heartbeat comment interval on job streams; 0 turns them off. */
  readonly heartbeatMs: number;
  /** How long `POST /jobs/:id/cancel` waits for a job on another instance to end. */
  readonly cancelWaitMs: number;
  /** @default console.error */
  readonly logError?: (line: string) => void;
}

/**
 * The routes: `POST /jobs`, `GET /jobs` (the caller's jobs), `GET /jobs/:id/stream` (SSE), `GET /jobs/:id/recover`,
 * `POST /jobs/:id/cancel`, `GET /metrics`, `GET /health`, `GET /`. Every error is JSON
 * `{ "error": … }`; a refused request stores nothing.
 */
export async function createJobsApp(options: JobsAppOptions): Promise<FastifyInstance> {
  const { hub, lifecycle, runner, metrics, page } = options;
  const logError = options.logError ?? ((line: string) => console.error(line));
  const app = Fastify({ bodyLimit: options.maxBodyBytes, logger: false });
  app.setErrorHandler(createErrorHandler({ maxBodyBytes: options.maxBodyBytes, logError }));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(`No route for ${request.method} ${request.url.split('?', 1)[0]}.`)),
  );
  await app.register(resumableSse, { hub });

  const checkJobAccess = createJobAccess(lifecycle);
  const streamOptions: SseReplyOptions = {
    stream: (request) => jobStream(jobIdOf(request)),
    // A first-time viewer sees the job from its first token, not from the moment it tuned in.
    initial: 'earliest',
    heartbeatMs: options.heartbeatMs,
    retry: 1_000,
    // The one place a real deployment plugs in its own check (see http/job-access.ts).
    authorize: async (request) => {
      const access = await checkJobAccess(request);
      return access.ok ? true : access.refusal;
    },
    // The stream ends after `completed` or `failed`; a viewer resuming from that event gets 204,
    // and one coming back after the end gets it at once, from the completion record if need be.
    lifecycle,
  };

  app.post(
    '/jobs',
    {
      // Refused before a byte of the body is read.
      onRequest: async (request, reply) => {
        if (requestUser(request) === undefined) return sendRefusal(reply, AUTHENTICATION_REQUIRED);
        if (mediaType(request.headers['content-type']) !== 'application/json') {
          throw new HttpError(415, 'Send the body as JSON with "Content-Type: application/json".');
        }
        const encoding = mediaType(request.headers['content-encoding']);
        if (encoding !== '' && encoding !== 'identity') {
          throw new HttpError(
            415,
            `Content-Encoding "${encoding.slice(0, 50)}" is not accepted: send the JSON uncompressed.`,
          );
        }
      },
    },
    async (request, reply) => {
      const job = parseJobRequest(request.body);
      const id = await runner.start(requestUser(request)!, job);
      const urls = jobUrls(id);
      return reply
        .code(201)
        .header('location', urls.recoverUrl)
        .send({ id, ...urls });
    },
  );

  app.get('/jobs', async (request, reply) => {
    const user = requestUser(request);
    if (user === undefined) return sendRefusal(reply, AUTHENTICATION_REQUIRED);
    const list = await listJobs(lifecycle, user, parseJobListQuery(request.query));
    return reply.header('cache-control', 'no-store').send(list);
  });

  app.get('/jobs/:id/stream', sseRoute(streamOptions));

  app.get('/jobs/:id/recover', async (request, reply) => {
    const access = await checkJobAccess(request);
    if (!access.ok) return sendRefusal(reply, access.refusal);
    const view = await recoverStream(hub, lifecycle, access.streamId);
    return reply.header('cache-control', 'no-store').send(recoveryBody(access.id, view));
  });

  app.post('/jobs/:id/cancel', async (request, reply) => {
    const access = await checkJobAccess(request);
    if (!access.ok) return sendRefusal(reply, access.refusal);
    const alreadyEnded = () =>
      reply
        .code(409)
        .send(
          errorBody(`Job ${access.id} has already ended; there is nothing to cancel. GET its recover view.`),
        );
    if (access.record.state !== 'active') return alreadyEnded();

    const local = runner.local(access.id);
    if (local) {
      const outcome = await local.cancel();
      if (outcome.reason !== 'cancelled' || outcome.terminal === null) return alreadyEnded();
      return reply.send({ id: access.id, status: outcome.state, terminal: terminalBody(outcome.terminal) });
    }
    // Another instance runs it: it sees the flag at its next check and ends the job there.
    if (!(await lifecycle.requestCancel(access.streamId))) return alreadyEnded();
    const completion = await waitForCompletion(lifecycle, access.streamId, options.cancelWaitMs);
    if (completion === null) return reply.code(202).send({ id: access.id, status: 'cancelling' });
    return reply.send({ id: access.id, status: completion.state, terminal: terminalBody(completion) });
  });

  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  app.get('/health', async (_request, reply) => {
    const activeJobs = await lifecycle.countActive();
    return reply.send({ status: 'ok', store: hub.store.kind, activeJobs, runningHere: runner.runningCount });
  });

  app.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(page.html));
  app.get(page.scriptPath, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(page.script),
  );

  return app;
}

function jobIdOf(request: FastifyRequest): string {
  const id = (request.params as { id?: unknown } | undefined)?.id;
  // `authorize` has already refused an invalid id; this keeps the stream name valid regardless.
  return isJobId(id) ? id : 'invalid';
}

function terminalBody(terminal: { id: string; event: string; data: string; state: string }) {
  return {
    id: terminal.id,
    event: terminal.event,
    state: terminal.state,
    data: JSON.parse(terminal.data) as unknown,
  };
}

async function waitForCompletion(
  lifecycle: LifecycleStore,
  streamId: string,
  timeoutMs: number,
): Promise<CompletionRecord | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const completion = await lifecycle.completion(streamId);
    if (completion !== null || Date.now() >= deadline) return completion;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
