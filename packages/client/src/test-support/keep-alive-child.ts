/**
 * Child process for the "does waiting to reconnect keep Node alive?" comparison:
 * `node --conditions=@resumable-sse/source keep-alive-child.ts <ours|eventsource> <url>`.
 * It opens one client and does nothing else, so only the client's own handles keep it running.
 */
import { EventSource } from 'eventsource';
import { createEventStreamClient } from '../client.ts';

const [which, url] = process.argv.slice(2);
if (!url) throw new Error('usage: keep-alive-child.ts <ours|eventsource> <url>');
if (which === 'ours') createEventStreamClient(url);
else new EventSource(url);
