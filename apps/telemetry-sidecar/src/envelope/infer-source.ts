/**
 * Where an envelope came from, as Spotlight's UI groups it: `mobile` for the mobile SDKs,
 * `browser` for a browser sender or browser SDK, `server` otherwise.
 */
export function inferEnvelopeSource(
  headers: Readonly<Record<string, unknown>>,
  payloads: readonly unknown[],
): 'browser' | 'mobile' | 'server' {
  const sdk = headers.sdk as { name?: unknown } | undefined;
  const sdkName = typeof sdk?.name === 'string' ? sdk.name : '';
  if (MOBILE_SDK_MARKERS.some((marker) => sdkName.includes(marker))) return 'mobile';
  const userAgent = headers.__spotlight_sender_user_agent;
  if (typeof userAgent === 'string' && browserName(userAgent) !== undefined) return 'browser';
  for (const payload of payloads) {
    const source = sourceOfEvent(payload);
    if (source) return source;
  }
  if (
    sdkName.startsWith('sentry.javascript.') &&
    !SERVER_JS_MARKERS.some((marker) => sdkName.includes(marker))
  ) {
    return 'browser';
  }
  return sdkName.includes('blazor.webassembly') ? 'browser' : 'server';
}

/** `Chrome/126`, `Firefox/128`, `Safari/17`, `Edge/126`, or undefined for a non-browser agent. */
export function browserName(userAgent: string): string | undefined {
  const version = (pattern: RegExp, name: string) => {
    const match = pattern.exec(userAgent);
    return match ? `${name}/${match[1]}` : name;
  };
  if (userAgent.includes('Edg/')) return version(/Edg\/(\d+)/, 'Edge');
  if (userAgent.includes('Chrome/')) return version(/Chrome\/(\d+)/, 'Chrome');
  if (userAgent.includes('Firefox/')) return version(/Firefox\/(\d+)/, 'Firefox');
  if (userAgent.includes('Safari/')) return version(/Version\/(\d+)/, 'Safari');
  return undefined;
}

const MOBILE_SDK_MARKERS = [
  'cocoa',
  'android',
  'react-native',
  'flutter',
  'capacitor',
  'cordova',
  'xamarin',
  'maui',
  'unity',
  'kotlin.kmp',
];

/** `sentry.javascript.*` SDKs that run on servers or edge runtimes, not in a browser. */
const SERVER_JS_MARKERS = [
  'node',
  'bun',
  'deno',
  'electron',
  'serverless',
  'cloudflare',
  'vercel-edge',
  'wasm',
  'opentelemetry',
  'nextjs',
  'remix',
  'gatsby',
  'astro',
  'nuxt',
  'sveltekit',
  'solidstart',
  'nestjs',
  'tanstackstart',
];

const SERVER_PLATFORMS: ReadonlySet<string> = new Set([
  'node',
  'python',
  'ruby',
  'php',
  'java',
  'go',
  'rust',
  'perl',
  'elixir',
  'csharp',
  'dotnet',
]);

function sourceOfEvent(payload: unknown): 'browser' | 'server' | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const event = payload as {
    tags?: { runtime?: unknown };
    contexts?: { runtime?: { name?: unknown } };
    server_name?: unknown;
    platform?: unknown;
  };
  if (event.tags?.runtime === 'browser') return 'browser';
  if (event.contexts?.runtime?.name) return 'server';
  if (event.server_name) return 'server';
  if (typeof event.platform === 'string' && SERVER_PLATFORMS.has(event.platform)) return 'server';
  return undefined;
}
