/**
 * When a stream reads as `expired`: it ended (completed, failed or orphaned), a completion record
 * was kept for it, and that record's TTL has passed. Stores keep the state they wrote and apply
 * this on every read, so the change happens at the TTL in every process without a background job.
 */
import type { StreamState } from './types.ts';

export const ENDED_STATES: readonly StreamState[] = ['completed', 'failed', 'orphaned'];

export function settledState(stored: StreamState, completionLapsed: boolean): StreamState {
  return completionLapsed && ENDED_STATES.includes(stored) ? 'expired' : stored;
}
