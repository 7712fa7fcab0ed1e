/**
 * A byte-exact SSE reader for shutdown drills: it splits the body at blank lines itself, so a
 * response cut inside a frame shows as a non-empty `partial` tail instead of being dropped
 * silently (as a parser does at end of input), and it records how the response ended — a clean
 * end of the chunked body, or `aborted` / a socket error. It can stop reading on demand, so the
 * server's writes queue up behind it.
 */
import { type Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';

export interface Frame {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

export interface FrameReaderOptions {
  readonly lastEventId?: string | undefined;
  /** Stop reading once this many frames named `pauseEvent` arrived, until `resume()`. */
  readonly pauseAfter?: number;
  readonly pauseEvent?: string;
  /**
   * A keep-alive agent (as browsers and `fetch` use: the socket outlives the response), or
   * `false` for a socket of its own that the request asks to close (`Connection: close`).
   */
  readonly agent?: Agent | false;
}

/** How the response ended: `end` is a complete body; anything else was cut. */
export type FrameReaderOutcome = 'end' | 'aborted' | `error: ${string}`;

export interface FrameReader {
  readonly status: number;
  readonly frames: Frame[];
  /** Bytes after the last complete frame: non-empty when the response was cut mid-frame. */
  partial(): string;
  readonly paused: Promise<void>;
  resume(): void;
  /** Resolves once the response is over, with how it ended. */
  readonly outcome: Promise<FrameReaderOutcome>;
  close(): void;
}

const FRAME_END = /\r\n\r\n|\n\n|\r\r/;

export function openFrameReader(url: string, options: FrameReaderOptions = {}): Promise<FrameReader> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    const req: ClientRequest = request(url, { agent: options.agent, headers });
    req.once('error', reject);
    req.once('response', (res: IncomingMessage) => {
      const frames: Frame[] = [];
      let buffered = '';
      let counted = 0;
      let markPaused!: () => void;
      const paused = new Promise<void>((done) => {
        markPaused = done;
      });
      let settle!: (outcome: FrameReaderOutcome) => void;
      const outcome = new Promise<FrameReaderOutcome>((done) => {
        settle = done;
      });
      let settled = false;
      const finish = (how: FrameReaderOutcome): void => {
        if (settled) return;
        settled = true;
        settle(how);
      };
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        buffered += text;
        for (let match = FRAME_END.exec(buffered); match; match = FRAME_END.exec(buffered)) {
          const frame = parseFrame(buffered.slice(0, match.index));
          buffered = buffered.slice(match.index + match[0].length);
          if (!frame) continue;
          frames.push(frame);
          if (options.pauseAfter !== undefined && frame.event === options.pauseEvent) {
            counted++;
            if (counted === options.pauseAfter) {
              res.pause();
              markPaused();
            }
          }
        }
      });
      res.once('aborted', () => finish('aborted'));
      res.once('error', (error: NodeJS.ErrnoException) => finish(`error: ${error.code ?? error.message}`));
      req.on('error', (error: NodeJS.ErrnoException) => finish(`error: ${error.code ?? error.message}`));
      res.once('end', () => finish(res.complete ? 'end' : 'aborted'));
      res.once('close', () => finish(res.complete ? 'end' : 'aborted'));
      resolve({
        status: res.statusCode ?? 0,
        frames,
        partial: () => buffered,
        paused,
        resume: () => res.resume(),
        outcome,
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}

/** A frame's fields; `undefined` for a comment-only block (heartbeats, the opening comment). */
function parseFrame(block: string): Frame | undefined {
  let id: string | undefined;
  let event: string | undefined;
  const data: string[] = [];
  let fields = 0;
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    fields++;
    if (name === 'id') id = value;
    else if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
  }
  return fields === 0 ? undefined : { id, event, data: data.join('\n') };
}
