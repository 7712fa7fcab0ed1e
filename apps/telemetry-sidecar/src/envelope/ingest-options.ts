export const ENVELOPE_CONTENT_TYPE = 'application/x-sentry-envelope';

/** Limits on `POST /stream`. */
export interface IngestLimits {
  /**
   * Largest body on the wire (compressed, if it is), in bytes. `MAX_BODY_BYTES`.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxBodyBytes: number;
  /**
   * Largest envelope once decompressed, in bytes. `MAX_ENVELOPE_BYTES`.
   * @default 4_194_304 (4 MiB)
   */
  readonly maxEnvelopeBytes: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxBodyBytes: 1_048_576,
  maxEnvelopeBytes: 4_194_304,
};
