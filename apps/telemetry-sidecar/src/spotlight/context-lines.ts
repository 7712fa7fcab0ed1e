import { HttpError } from '@resumable-sse/demo-support';
import type { SourceRoots } from './source-roots.ts';

/** Lines of source shown before and after a frame's line. */
const CONTEXT = 5;
/** Longest line sent as is; longer ones are cut around the column. */
const MAX_LINE = 150;
/** Frames per request worth reading files for (a stack is rarely deeper). */
const MAX_FRAMES = 200;

interface StackFrame {
  filename?: unknown;
  lineno?: unknown;
  colno?: unknown;
  pre_context?: string[];
  context_line?: string;
  post_context?: string[];
  [key: string]: unknown;
}

/**
 * `PUT /contextlines`: the UI sends an exception's `stacktrace` (`{ frames: […] }`) and gets it
 * back with `pre_context`, `context_line` and `post_context` on each frame whose file is under
 * the source roots. Frames elsewhere (dependencies, URLs, other folders) come back untouched;
 * the sidecar never fetches a URL.
 */
export async function addContextLines(body: string, roots: SourceRoots): Promise<unknown> {
  let stacktrace: unknown;
  try {
    stacktrace = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'The body must be a JSON stacktrace: {"frames": [{"filename", "lineno", …}]}.');
  }
  const frames = (stacktrace as { frames?: unknown } | null)?.frames;
  if (
    typeof stacktrace !== 'object' ||
    stacktrace === null ||
    (frames !== undefined && !Array.isArray(frames))
  ) {
    throw new HttpError(400, 'The body must be a JSON stacktrace: {"frames": [{"filename", "lineno", …}]}.');
  }
  const files = new Map<string, Promise<string[] | undefined>>();
  for (const frame of ((frames ?? []) as unknown[]).slice(0, MAX_FRAMES)) {
    if (typeof frame !== 'object' || frame === null) continue;
    const { filename, lineno, colno } = frame as StackFrame;
    if (typeof filename !== 'string' || filename.includes('/node_modules/')) continue;
    if (typeof lineno !== 'number' || !Number.isSafeInteger(lineno) || lineno < 1) continue;
    let lines = files.get(filename);
    if (lines === undefined) {
      lines = roots.read(filename).then((text) => text?.split(/\r?\n/));
      files.set(filename, lines);
    }
    const source = await lines;
    if (source) setContext(frame as StackFrame, source, lineno, typeof colno === 'number' ? colno : 0);
  }
  return stacktrace;
}

function setContext(frame: StackFrame, lines: string[], lineno: number, colno: number): void {
  const at = Math.max(Math.min(lines.length - 1, lineno - 1), 0);
  frame.pre_context = lines.slice(Math.max(0, at - CONTEXT), at).map((line) => cut(line, 0));
  frame.context_line = cut(lines[at] ?? '', colno);
  frame.post_context = lines.slice(at + 1, at + 1 + CONTEXT).map((line) => cut(line, 0));
}

/** A long (minified) line, cut to about 140 characters around the column. */
function cut(line: string, column: number): string {
  if (line.length <= MAX_LINE) return line;
  const end = Math.min(Math.max(Math.min(column, line.length) - 60, 0) + 140, line.length);
  const start = Math.max(end - 140, 0);
  return `${start > 0 ? '{snip} ' : ''}${line.slice(start, end)}${end < line.length ? ' {snip}' : ''}`;
}
