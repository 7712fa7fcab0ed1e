import { ResumableSseError } from './errors.ts';

const MAX_STREAM_NAME_LENGTH = 200;
// Braces would break Redis Cluster hash tags; control characters and spaces break logs and keys.
const STREAM_NAME_PATTERN = /^[A-Za-z0-9._:~/@+=-]+$/;

/** True when `name` can name a stream in every store. */
export function isValidStreamName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= MAX_STREAM_NAME_LENGTH &&
    STREAM_NAME_PATTERN.test(name)
  );
}

export function assertValidStreamName(name: unknown): asserts name is string {
  if (!isValidStreamName(name)) {
    throw new ResumableSseError(
      'INVALID_STREAM_NAME',
      `Invalid stream name ${JSON.stringify(String(name).slice(0, 50))}: use 1–${MAX_STREAM_NAME_LENGTH} characters from A-Z a-z 0-9 . _ : ~ / @ + = -`,
    );
  }
}
