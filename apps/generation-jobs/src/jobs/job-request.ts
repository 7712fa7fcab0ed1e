import { HttpError } from '@resumable-sse/demo-support';
import { JOB_TYPES, type JobType } from './job-events.ts';

/** A validated `POST /jobs` body. */
export interface JobRequest {
  /** What kind of job (default `generation`); every kind runs the same stand-in generator. */
  readonly type: JobType;
  readonly prompt: string;
  /** How many `token` events the job emits. */
  readonly tokens: number;
  /** Pause before each token, in milliseconds. */
  readonly delayMs: number;
}

export const JOB_LIMITS = {
  maxPromptLength: 2_000,
  defaultTokens: 50,
  minTokens: 1,
  maxTokens: 1_000,
  defaultDelayMs: 100,
  minDelayMs: 0,
  maxDelayMs: 10_000,
} as const;

const FIELDS = ['type', 'prompt', 'tokens', 'delayMs'];

/** Checks a parsed JSON body; every problem is a 400 `HttpError` that says what to send instead. */
export function parseJobRequest(body: unknown): JobRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Send a JSON object: { "prompt": "…", "tokens": 50, "delayMs": 100 }.');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !FIELDS.includes(key));
  if (unknown !== undefined) {
    throw new HttpError(
      400,
      `Unknown field ${JSON.stringify(unknown.slice(0, 50))}: a job takes only "type", "prompt", "tokens" and "delayMs".`,
    );
  }
  const { prompt } = fields;
  if (typeof prompt !== 'string' || prompt.trim() === '') {
    throw new HttpError(400, '"prompt" is required: a non-empty string.');
  }
  if (prompt.length > JOB_LIMITS.maxPromptLength) {
    throw new HttpError(400, `"prompt" is longer than ${JOB_LIMITS.maxPromptLength} characters.`);
  }
  const type = fields.type === undefined ? 'generation' : fields.type;
  if (!(JOB_TYPES as readonly unknown[]).includes(type)) {
    throw new HttpError(
      400,
      `"type" must be one of ${JOB_TYPES.map((name) => `"${name}"`).join(', ')} (default "generation"), got ${JSON.stringify(type)?.slice(0, 50)}.`,
    );
  }
  return {
    type: type as JobType,
    prompt,
    tokens: wholeNumber(
      fields,
      'tokens',
      JOB_LIMITS.defaultTokens,
      JOB_LIMITS.minTokens,
      JOB_LIMITS.maxTokens,
    ),
    delayMs: wholeNumber(
      fields,
      'delayMs',
      JOB_LIMITS.defaultDelayMs,
      JOB_LIMITS.minDelayMs,
      JOB_LIMITS.maxDelayMs,
    ),
  };
}

function wholeNumber(
  fields: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = fields[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(
      400,
      `"${name}" must be a whole number from ${min} to ${max} (default ${fallback}), got ${JSON.stringify(value)?.slice(0, 50)}.`,
    );
  }
  return value;
}
