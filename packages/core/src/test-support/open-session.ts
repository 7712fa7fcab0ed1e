import { createSseEndpoint } from '../engine/endpoint.ts';
import type { SseEndpointOptions, SseRequest, SseResponsePlan } from '../engine/types.ts';
import type { Hub } from '../hub.ts';
import { CollectingSink } from './collecting-sink.ts';

export interface RequestShape {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly httpVersionMajor?: number;
}

/** Builds the `SseRequest` an adapter would, from plain values. */
export function sseRequest(shape: RequestShape = {}, signal = new AbortController().signal): SseRequest {
  const headers = new Map(
    Object.entries(shape.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return {
    method: shape.method ?? 'GET',
    header: (name) => headers.get(name.toLowerCase()),
    query: (name) => shape.query?.[name],
    signal,
    httpVersionMajor: shape.httpVersionMajor ?? 1,
  };
}

export interface OpenSession {
  readonly sink: CollectingSink;
  readonly plan: SseResponsePlan;
  /** Resolves when the session ends. */
  readonly done: Promise<void>;
  /** The client goes away. */
  abort(): void;
}

/** Opens one stream connection against `hub` the way an adapter would, writing into a `CollectingSink`. */
export async function openSession(
  hub: Hub,
  options: Partial<SseEndpointOptions<RequestShape>> & { lastEventId?: string; sink?: CollectingSink } = {},
  shape: RequestShape = {},
): Promise<OpenSession> {
  const controller = new AbortController();
  const headers = {
    ...shape.headers,
    ...(options.lastEventId !== undefined ? { 'Last-Event-ID': options.lastEventId } : {}),
  };
  const request = { ...shape, headers };
  const endpoint = createSseEndpoint<RequestShape>(hub, {
    stream: 'test',
    heartbeatMs: 0,
    futureGraceMs: 50,
    ...options,
  });
  const plan = await endpoint.handle(sseRequest(request, controller.signal), request);
  const sink = options.sink ?? new CollectingSink();
  const done = plan.kind === 'stream' ? plan.pipe(sink) : Promise.resolve();
  return { sink, plan, done, abort: () => controller.abort() };
}
