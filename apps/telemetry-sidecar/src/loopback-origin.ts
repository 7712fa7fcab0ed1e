/**
 * True for a browser origin on this machine (`http://localhost:3000`, `http://127.0.0.1:5173`,
 * `http://[::1]:8080`). A local sidecar takes envelopes from apps under development, and from
 * no website on the internet.
 */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname;
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}
