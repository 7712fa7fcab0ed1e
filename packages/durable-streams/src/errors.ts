/** Stable codes for every answer this package gives to a client's mistake or a store failure. */
export type DurableStreamsErrorCode =
  | 'BAD_REQUEST'
  | 'BAD_OFFSET'
  | 'OFFSET_GONE'
  | 'STREAM_GONE'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'STREAM_CLOSED'
  | 'PRODUCER_FENCED'
  | 'PRODUCER_SEQ_GAP'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'STORE_UNAVAILABLE';

const STATUS: Readonly<Record<DurableStreamsErrorCode, number>> = {
  BAD_REQUEST: 400,
  BAD_OFFSET: 400,
  OFFSET_GONE: 410,
  STREAM_GONE: 410,
  NOT_FOUND: 404,
  CONFLICT: 409,
  STREAM_CLOSED: 409,
  PRODUCER_FENCED: 403,
  PRODUCER_SEQ_GAP: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  STORE_UNAVAILABLE: 503,
};

/** A protocol answer other than success: its `status` and extra headers go on the wire. */
export class DurableStreamsError extends Error {
  override readonly name = 'DurableStreamsError';
  readonly code: DurableStreamsErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: DurableStreamsErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
    this.headers = headers;
  }
}

export function badRequest(message: string): DurableStreamsError {
  return new DurableStreamsError('BAD_REQUEST', message);
}
