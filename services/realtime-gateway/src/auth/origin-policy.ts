/**
 * Cross-site WebSocket hijacking protection. Browsers attach cookies and other ambient credentials
 * to a WebSocket upgrade from any page and do not apply CORS to it, so the server must check
 * `Origin` itself. Allowed: no `Origin` (not a browser), the gateway's own origin (the `Origin`
 * host equals the `Host` header), or an origin listed in CORS_ORIGINS. Behind a proxy that
 * rewrites `Host`, list the public origin in CORS_ORIGINS.
 */
export function createOriginPolicy(
  allowedOrigins: readonly string[],
): (origin: string | undefined, host: string | undefined) => boolean {
  const allowed = new Set(allowedOrigins.map(normalizeOrigin));
  return (origin, host) => {
    if (origin === undefined) return true;
    if (allowed.has(normalizeOrigin(origin))) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, file:) and garbage are never same-origin
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return host !== undefined && sameHost(url, host);
  };
}

/** `https://App.example.com:443/` and `https://app.example.com` are the same origin. */
function normalizeOrigin(origin: string): string {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? origin : url.origin;
  } catch {
    return origin;
  }
}

/** Compares hosts with the origin's default port applied to both (`Host: a.com:443` = `a.com`). */
function sameHost(origin: URL, host: string): boolean {
  if (/[@/\\?#]/.test(host)) return false; // a Host header is host[:port], nothing else
  try {
    return new URL(`${origin.protocol}//${host}`).host === origin.host;
  } catch {
    return false;
  }
}
