/**
 * Who may talk to the sidecar. It holds a developer's telemetry (stack traces, request data), so
 * it answers only requests addressed to this machine by name (`Host`: against DNS rebinding, a
 * web page whose own name was pointed at 127.0.0.1) and lets only local dev servers read it
 * cross-origin (CORS).
 */
export interface AccessPolicy {
  /** True for a `Host` header naming a loopback name or an allowed host, with any port. */
  allowsHost(host: string | undefined): boolean;
  /** True for a browser origin on a loopback name, or an allowed origin or host. */
  allowsOrigin(origin: string): boolean;
}

export interface AccessPolicyOptions {
  /** Extra host names (`ALLOWED_HOSTS`, e.g. `devbox.lan`), any port. */
  readonly allowedHosts?: readonly string[];
  /**
   * Extra browser origins (`ALLOWED_ORIGINS`): a full origin (`https://app.test:8443`) or a host
   * name (`app.test`, any scheme and port).
   */
  readonly allowedOrigins?: readonly string[];
}

/** `localhost`, `*.localhost`, `127.x.x.x` and `[::1]`: names that cannot leave this machine. */
function isLoopbackHostname(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(hostname)
  );
}

/** Splits a comma- or space-separated environment list (`a.test, b.test`). */
export function listVariable(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
}

export function accessPolicy(options: AccessPolicyOptions = {}): AccessPolicy {
  const hosts = new Set((options.allowedHosts ?? []).map((host) => host.toLowerCase()));
  const originNames = new Set<string>();
  const fullOrigins = new Set<string>();
  for (const entry of options.allowedOrigins ?? []) {
    const normalized = entry.toLowerCase().replace(/\/+$/, '');
    if (normalized.includes('://')) fullOrigins.add(normalized);
    else originNames.add(normalized);
  }
  return {
    allowsHost(host) {
      const hostname = hostnameOf(host === undefined ? undefined : `http://${host}`);
      return hostname !== undefined && (isLoopbackHostname(hostname) || hosts.has(hostname));
    },
    allowsOrigin(origin) {
      const hostname = hostnameOf(origin);
      if (hostname === undefined) return false;
      return (
        isLoopbackHostname(hostname) || originNames.has(hostname) || fullOrigins.has(origin.toLowerCase())
      );
    },
  };
}

/** The lower-case host name of an http(s) URL, or undefined when it is not one. */
function hostnameOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  // Userinfo or a path in a Host header is not a host.
  if (parsed.username !== '' || parsed.password !== '' || parsed.pathname !== '/' || parsed.search !== '')
    return undefined;
  return parsed.hostname.toLowerCase();
}
