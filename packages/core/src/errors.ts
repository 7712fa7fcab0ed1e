/**
 * Every error this project throws on purpose is a `ResumableSseError` with a stable `code`.
 * Match on `code`, never on the message.
 */
export type ResumableSseErrorCode =
  | 'INVALID_FIELD'
  | 'INVALID_RETRY'
  | 'INVALID_STREAM_NAME'
  | 'INVALID_OPTION'
  | 'STORE_UNAVAILABLE'
  | 'STORE_CLOSED'
  | 'PAYLOAD_TOO_LARGE'
  | 'SLOW_CONSUMER'
  | 'STREAM_NOT_FOUND'
  | 'STREAM_EXISTS'
  | 'STREAM_ENDED';

const MESSAGE_PREFIX = '[resumable-sse]';

export class ResumableSseError extends Error {
  override readonly name = 'ResumableSseError';
  readonly code: ResumableSseErrorCode;

  constructor(code: ResumableSseErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${MESSAGE_PREFIX} ${message}`, options);
    this.code = code;
  }
}

/**
 * True for any `ResumableSseError`, also one thrown by another installed copy of this package
 * (where `instanceof` alone fails).
 */
export function isResumableSseError(
  value: unknown,
  code?: ResumableSseErrorCode,
): value is ResumableSseError {
  if (!(value instanceof Error)) return false;
  if (!(value instanceof ResumableSseError) && value.name !== 'ResumableSseError') return false;
  const actual = (value as { code?: unknown }).code;
  return typeof actual === 'string' && (code === undefined || actual === code);
}
