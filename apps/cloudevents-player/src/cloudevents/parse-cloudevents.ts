import { HttpError } from '@resumable-sse/demo-support';
import { CloudEvent, HTTP } from 'cloudevents';
import { contentModeOf, firstValue, type RequestHeaders } from './content-mode.ts';
import { describeValidationError } from './describe-validation-error.ts';

/** A validated CloudEvent as the JSON object the stream carries. */
export type CloudEventJson = Readonly<Record<string, unknown>> & {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly specversion: string;
};

const REQUIRED_ATTRIBUTES = ['id', 'source', 'type', 'specversion'] as const;

/**
 * Reads the CloudEvents a `POST /events` request carries — structured, batch or binary mode —
 * and validates every one of them before returning any, so a bad event in a batch means none is
 * stored. Throws an `HttpError` (400 or 415) whose message names the bad attribute.
 */
export function parseCloudEvents(requestHeaders: RequestHeaders, body: Uint8Array): CloudEventJson[] {
  const headers = lowerCaseNames(requestHeaders);
  const mode = contentModeOf(headers);
  if (mode === 'binary') return [binaryEvent(headers, body)];

  const parsed = parseJsonBody(body);
  if (mode === 'structured') {
    if (!isJsonObject(parsed)) {
      throw new HttpError(
        400,
        `A structured-mode body is one event as a JSON object; send several as a JSON array with Content-Type application/cloudevents-batch+json.`,
      );
    }
    return [jsonEvent(parsed, '')];
  }
  if (!Array.isArray(parsed)) {
    throw new HttpError(400, 'A batch body is a JSON array of events.');
  }
  return parsed.map((item: unknown, index) => {
    const where = `Event at index ${index} of the batch: `;
    if (!isJsonObject(item)) throw new HttpError(400, `${where}not a JSON object.`);
    return jsonEvent(item, where);
  });
}

/**
 * One event of a structured or batch body. The SDK's `HTTP.toEvent` is not used here because it
 * repairs what it should refuse: it invents an `id`, `specversion` and `time` that were not
 * sent, swaps an unreadable `time` for "now", and drops falsy attributes (`"data": 0`). The
 * strict `CloudEvent` constructor validates exactly what was sent against the 1.0 schema.
 */
function jsonEvent(raw: Record<string, unknown>, where: string): CloudEventJson {
  assertRequiredPresent(
    (name) => raw[name],
    (name) => `"${name}"`,
    where,
  );
  assertBase64(raw.data_base64, '"data_base64"', where);
  return validated(raw, raw.time, where);
}

/**
 * A binary-mode event: the SDK maps the `ce-*` headers to attributes and decodes the body by its
 * Content-Type (JSON parsed, text kept, anything else carried as `data_base64`).
 */
function binaryEvent(headers: RequestHeaders, body: Uint8Array): CloudEventJson {
  const header = (name: string) => firstValue(headers[`ce-${name}`]);
  assertRequiredPresent(header, (name) => `"${name}" (header ce-${name})`, '');
  assertBase64(header('data_base64'), '"data_base64" (header ce-data_base64)', '');
  const contentType = firstValue(headers['content-type']);
  let event: CloudEvent<unknown>;
  try {
    event = HTTP.toEvent({
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, firstValue(value)])),
      body: body.byteLength === 0 ? undefined : isTextual(contentType) ? decodeUtf8(body) : Buffer.from(body),
    }) as CloudEvent<unknown>;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new HttpError(
        400,
        `The body is not valid JSON although Content-Type is ${contentType}: ${error.message}.`,
      );
    }
    throw new HttpError(400, describeValidationError(error));
  }
  return validated({ ...event }, header('time'), '');
}

/**
 * Refuses a missing or empty required attribute by name. The SDK cannot: it makes up an `id`
 * (also for an empty one) and a `specversion` when they are not there.
 */
function assertRequiredPresent(
  value: (name: string) => unknown,
  label: (name: string) => string,
  where: string,
): void {
  const refuse = (problem: string): never => {
    throw refusal(where, problem);
  };
  for (const name of REQUIRED_ATTRIBUTES) {
    const given = value(name);
    if (given === undefined || given === null) refuse(`missing required attribute ${label(name)}.`);
    if (given === '') refuse(`attribute ${label(name)} must not be empty.`);
  }
  const version = value('specversion');
  if (version !== '1.0') {
    refuse(
      `attribute "specversion" is ${JSON.stringify(version)}: this player reads CloudEvents 1.0 ("specversion": "1.0").`,
    );
  }
}

/**
 * Refuses a `data_base64` that is not base64 text. The SDK decodes it with `atob` before it
 * validates anything, so a number, an object or a stray character would surface as an
 * exception that names nothing (and a deeply nested array as a stack overflow).
 */
function assertBase64(value: unknown, label: string, where: string): void {
  if (value === undefined || value === null) return;
  const problem =
    typeof value !== 'string'
      ? `attribute ${label} must be a string of base64, got ${Array.isArray(value) ? 'an array' : typeof value}.`
      : isBase64(value)
        ? ''
        : `attribute ${label} is not valid base64.`;
  if (problem !== '') throw refusal(where, problem);
}

/** A 400 for `problem` (lower-case first), prefixed with where the event is in a batch. */
function refusal(where: string, problem: string): HttpError {
  return new HttpError(
    400,
    where ? `${where}${problem}` : `${problem.charAt(0).toUpperCase()}${problem.slice(1)}`,
  );
}

function isBase64(text: string): boolean {
  try {
    atob(text);
    return true;
  } catch {
    return false;
  }
}

/** Runs the SDK's strict validation and returns the event's JSON, with `time` exactly as sent. */
function validated(attributes: Record<string, unknown>, rawTime: unknown, where: string): CloudEventJson {
  let event: CloudEvent<unknown>;
  try {
    event = new CloudEvent<unknown>({ ...attributes, time: rawTime as string | undefined }, true);
  } catch (error) {
    throw new HttpError(400, `${where}${describeValidationError(error)}`);
  }
  // Not `event.toJSON()`: it rewrites `time` through `Date`, which fills in "now" when there was
  // none and throws on a valid RFC 3339 leap second (`23:59:60Z`).
  const json: Record<string, unknown> = { ...event };
  if (json.data_base64 && json.data) delete json.data;
  if (rawTime === undefined) delete json.time;
  else json.time = rawTime;
  return json as CloudEventJson;
}

function parseJsonBody(body: Uint8Array): unknown {
  const text = decodeUtf8(body);
  if (text.trim() === '') throw new HttpError(400, 'The request body is empty: send the event as JSON.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `The request body is not valid JSON: ${(error as Error).message}.`);
  }
}

function decodeUtf8(body: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpError(400, 'The request body is not valid UTF-8.');
  }
}

/** Media types whose body the SDK should see as text (JSON is then parsed by it). */
function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') || type === 'application/json' || type.endsWith('+json') || type.endsWith('/xml')
  );
}

function lowerCaseNames(headers: RequestHeaders): RequestHeaders {
  const lower: Record<string, string | readonly string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return lower;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
