import type { ClientStatus } from '@resumable-sse/client';

/** The seed's three colours: green connected, yellow connecting, red disconnected. */
export type ConnectionState = 'connected' | 'connecting' | 'disconnected';

export interface ConnectionView {
  readonly state: ConnectionState;
  readonly label: string;
}

/**
 * What the indicator shows. The client reports `reconnecting` both while it waits out its
 * backoff and while the next request is in flight; the page tells them apart by watching its own
 * requests, so a server that is down reads red and an attempt under way reads yellow.
 */
export function connectionView(status: ClientStatus, requestInFlight: boolean): ConnectionView {
  switch (status) {
    case 'live':
      return { state: 'connected', label: 'Connected' };
    case 'catching-up':
      return { state: 'connecting', label: 'Catching up' };
    case 'connecting':
      return { state: 'connecting', label: 'Connecting' };
    case 'reconnecting':
      return requestInFlight
        ? { state: 'connecting', label: 'Reconnecting' }
        : { state: 'disconnected', label: 'Disconnected, retrying' };
    case 'closed':
      return { state: 'disconnected', label: 'Disconnected' };
  }
}

export interface TooltipFacts {
  readonly view: ConnectionView;
  /** When the latest CloudEvent arrived (ms since the Unix epoch). */
  readonly lastEventAt: number | undefined;
  /** When the latest ping arrived. */
  readonly lastPingAt: number | undefined;
  readonly reconnects: number;
  /** Delay before the next attempt, while disconnected. */
  readonly retryDelayMs: number | undefined;
  /** Formats a time of day; the page passes the browser's locale format. */
  readonly formatTime: (ms: number) => string;
}

/** The indicator's tooltip: status, last event time, last ping, reconnect attempts. */
export function tooltipText(facts: TooltipFacts): string {
  const lines = [`Status: ${facts.view.label}`];
  if (facts.view.state === 'disconnected' && facts.retryDelayMs !== undefined) {
    lines[0] += ` (next attempt within ${Math.ceil(facts.retryDelayMs / 1000)} s)`;
  }
  lines.push(
    `Last event: ${facts.lastEventAt === undefined ? 'none yet' : facts.formatTime(facts.lastEventAt)}`,
  );
  lines.push(
    `Last ping: ${facts.lastPingAt === undefined ? 'none yet' : facts.formatTime(facts.lastPingAt)}`,
  );
  lines.push(`Reconnect attempts: ${facts.reconnects}`);
  return lines.join('\n');
}
