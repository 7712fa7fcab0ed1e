import { HttpError } from '@resumable-sse/demo-support';
import type { CloudEventJson } from './parse-cloudevents.ts';

/**
 * The CloudEvent as the SSE event's data. JSON nested deeper than the engine can serialize
 * (a few thousand levels) parses fine but cannot be stored: that is the sender's mistake (400),
 * not a server error. `where` names the event in a batch, as the parser's messages do.
 */
export function cloudEventToJson(event: CloudEventJson, where = ''): string {
  try {
    return JSON.stringify(event);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const problem = 'JSON is nested too deeply to store; send data with fewer levels of nesting.';
    throw new HttpError(400, where ? `${where}its ${problem}` : `The event's ${problem}`, { cause: error });
  }
}
