import { type IncomingMessage } from 'node:http';

/** Where an upgrade request carried its access token. */
export type TokenSource =
  | { kind: 'header' | 'query'; token: string }
  /** Present but unusable (`Authorization: Basic …`, an empty `?token=`): refused like a bad token. */
  | { kind: 'malformed' }
  /** None: the socket opens unauthenticated and its first frame must be `authenticate`. */
  | { kind: 'none' };

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The access token of an upgrade request, in order: `Authorization: Bearer <token>`, then the
 * `token` query parameter (browsers cannot set headers on a WebSocket; proxies and access logs may
 * record query strings, which is why the `authenticate` first frame is preferred over it).
 */
export function tokenFromUpgrade(req: IncomingMessage): TokenSource {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = BEARER.exec(header);
    return match?.[1] ? { kind: 'header', token: match[1] } : { kind: 'malformed' };
  }
  let query: URLSearchParams;
  try {
    query = new URL(req.url ?? '/', 'http://gateway.invalid').searchParams;
  } catch {
    return { kind: 'none' };
  }
  const token = query.get('token');
  if (token === null) return { kind: 'none' };
  return token.length > 0 ? { kind: 'query', token } : { kind: 'malformed' };
}
