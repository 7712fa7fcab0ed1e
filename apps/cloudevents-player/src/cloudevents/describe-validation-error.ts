import { ValidationError } from 'cloudevents';

/**
 * One sentence naming the attribute the SDK refused. Its `ValidationError` says only "invalid
 * payload" and keeps the detail in `errors` (JSON-schema results such as
 * `{ instancePath: '/source', message: 'must match format "uri-reference"' }`).
 * Anything that is not a validation failure is rethrown: it is a bug, not bad input.
 */
export function describeValidationError(error: unknown): string {
  if (error instanceof ValidationError) {
    const details = (error.errors ?? []).map(describeSchemaError).filter((detail) => detail !== '');
    if (details.length > 0) return `${capitalize(details.join('; '))}.`;
    return `${capitalize(oneLine(error.message))}`;
  }
  // The constructor throws a plain TypeError for attributes of another spec version (schemaurl).
  if (error instanceof TypeError) return `${capitalize(oneLine(error.message))}.`;
  throw error;
}

function describeSchemaError(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (typeof detail !== 'object' || detail === null) return '';
  const { instancePath, keyword, params, message } = detail as {
    instancePath?: unknown;
    keyword?: unknown;
    params?: { missingProperty?: unknown };
    message?: unknown;
  };
  if (keyword === 'required' && typeof params?.missingProperty === 'string') {
    return `missing required attribute "${params.missingProperty}"`;
  }
  const attribute = typeof instancePath === 'string' ? instancePath.replace(/^\//, '').split('/')[0] : '';
  const what = typeof message === 'string' ? message : 'is not valid';
  return attribute ? `attribute "${attribute}" ${what}` : what;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
