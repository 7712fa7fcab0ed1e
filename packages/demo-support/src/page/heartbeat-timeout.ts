/**
 * A demo page learns its stream's heartbeat interval from `<meta name="heartbeat-ms">`, which
 * `bundlePage(…, { heartbeatMs })` fills in, and derives the client's `heartbeatTimeoutMs` from
 * it. Without this the client's flat 30 s default reconnects an idle page every 30 s whenever the
 * server's interval is 0 (no heartbeats) or longer than 30 s. Browser-safe: no `node:` imports.
 */

/** The `<meta name>` that carries the stream's heartbeat interval in milliseconds. */
export const HEARTBEAT_META_NAME = 'heartbeat-ms';

/**
 * The client's `heartbeatTimeoutMs` for a stream that sends a heartbeat every `heartbeatMs`: two
 * silent intervals plus a second of slack, so one late heartbeat is not taken for a dead
 * connection. `0` (no heartbeats) turns the check off: an idle stream is then silent by design.
 */
export function heartbeatTimeoutMs(heartbeatMs: number): number {
  return heartbeatMs > 0 ? 2 * heartbeatMs + 1_000 : 0;
}

/**
 * The interval a heartbeat meta tag's `content` states, or `undefined` when it states none (no
 * tag, an unfilled placeholder, anything but a whole number of milliseconds).
 */
export function parseHeartbeatMs(content: string | null | undefined): number | undefined {
  if (content == null || !/^\d{1,10}$/.test(content.trim())) return undefined;
  return Number(content.trim());
}

/**
 * The `heartbeatTimeoutMs` for this page's stream, from its heartbeat meta tag; `undefined` (the
 * client's default) when the page has none.
 */
export function pageHeartbeatTimeoutMs(root: ParentNode = document): number | undefined {
  const meta = root.querySelector<HTMLMetaElement>(`meta[name="${HEARTBEAT_META_NAME}"]`);
  const heartbeatMs = parseHeartbeatMs(meta?.content);
  return heartbeatMs === undefined ? undefined : heartbeatTimeoutMs(heartbeatMs);
}
