import { HttpError, mediaType } from '@resumable-sse/demo-support';

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';
export const BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';

/** How a request carries CloudEvents (CloudEvents HTTP protocol binding 1.0, §3). */
export type ContentMode = 'structured' | 'batch' | 'binary';

/** The part of a request that decides its content mode. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The content mode of a request, or a 415 `HttpError`. The media type decides first, as the
 * binding says: `application/cloudevents+json` is structured and `application/cloudevents-batch+json`
 * batched whatever else is sent; any other media type is binary mode when `ce-*` headers come with it.
 */
export function contentModeOf(headers: RequestHeaders): ContentMode {
  const type = mediaType(firstValue(headers['content-type']));
  if (type === STRUCTURED_CONTENT_TYPE) return 'structured';
  if (type === BATCH_CONTENT_TYPE) return 'batch';
  if (type.startsWith('application/cloudevents')) {
    throw new HttpError(
      415,
      `Content-Type ${type} is an event format this player does not read: send ${STRUCTURED_CONTENT_TYPE} or ${BATCH_CONTENT_TYPE}.`,
    );
  }
  if (Object.keys(headers).some((name) => name.toLowerCase().startsWith('ce-'))) return 'binary';
  throw new HttpError(
    415,
    `Content-Type ${type === '' ? 'is missing' : `${type} carries no CloudEvent`}: send ${STRUCTURED_CONTENT_TYPE}, ` +
      `${BATCH_CONTENT_TYPE}, or binary mode (ce-id, ce-source, ce-type and ce-specversion headers).`,
  );
}

export function firstValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}
