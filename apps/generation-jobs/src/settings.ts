import { integerVariable, StartupError } from '@resumable-sse/demo-support';

/** The app's own environment, beside the common one of `readDemoConfig` (README: Environment). */
export interface JobSettings {
  /** `MAX_BODY_BYTES`: largest `POST /jobs` body. */
  readonly maxBodyBytes: number;
  /** `JOB_HEARTBEAT_MS`: how often a running job's producer heartbeats. */
  readonly jobHeartbeatMs: number;
  /** `ORPHAN_AFTER_MS`: a job whose last heartbeat is this old is ended as orphaned. */
  readonly orphanAfterMs: number;
  /** `GUARDIAN_INTERVAL_MS`: how often this instance's guardian looks for orphans. */
  readonly guardianIntervalMs: number;
  /** `CANCEL_CHECK_MS`: how often a producer checks for a cancel made on another instance. */
  readonly cancelCheckMs: number;
  /** `COMPLETION_TTL_MS`: how long a finished job's terminal event is kept for late viewers. */
  readonly completionTtlMs: number;
}

export const DEFAULT_JOB_SETTINGS: JobSettings = {
  maxBodyBytes: 16_384,
  jobHeartbeatMs: 5_000,
  orphanAfterMs: 30_000,
  guardianIntervalMs: 10_000,
  cancelCheckMs: 500,
  completionTtlMs: 300_000,
};

const DAY_MS = 86_400_000;

export function readJobSettings(env: Readonly<Record<string, string | undefined>>): JobSettings {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const read = (name: string, fallback: number, min: number, max: number) =>
    integerVariable(name, value(name), fallback, min, max);
  const settings: JobSettings = {
    maxBodyBytes: read('MAX_BODY_BYTES', DEFAULT_JOB_SETTINGS.maxBodyBytes, 1, 2 ** 31),
    jobHeartbeatMs: read('JOB_HEARTBEAT_MS', DEFAULT_JOB_SETTINGS.jobHeartbeatMs, 1, DAY_MS),
    orphanAfterMs: read('ORPHAN_AFTER_MS', DEFAULT_JOB_SETTINGS.orphanAfterMs, 1, DAY_MS),
    guardianIntervalMs: read('GUARDIAN_INTERVAL_MS', DEFAULT_JOB_SETTINGS.guardianIntervalMs, 1, DAY_MS),
    cancelCheckMs: read('CANCEL_CHECK_MS', DEFAULT_JOB_SETTINGS.cancelCheckMs, 1, DAY_MS),
    completionTtlMs: read('COMPLETION_TTL_MS', DEFAULT_JOB_SETTINGS.completionTtlMs, 1, 30 * DAY_MS),
  };
  if (settings.jobHeartbeatMs >= settings.orphanAfterMs) {
    throw new StartupError(
      `JOB_HEARTBEAT_MS (${settings.jobHeartbeatMs}) must be shorter than ORPHAN_AFTER_MS (${settings.orphanAfterMs}), or every running job would be taken for an orphan.`,
    );
  }
  return settings;
}
