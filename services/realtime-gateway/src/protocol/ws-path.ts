/** `/ws/{user_id}`: the only upgrade path. The user id must equal the access token's `sub`. */
const WS_PATH = /^\/ws\/([^/]+)\/?$/;
const MAX_USER_ID_LENGTH = 128;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export type WsRoute = { ok: true; userId: string } | { ok: false; status: 400 | 404 };

export function parseWsPath(url: string | undefined): WsRoute {
  let pathname: string;
  try {
    pathname = new URL(url ?? '/', 'http://gateway.invalid').pathname;
  } catch {
    return { ok: false, status: 400 };
  }
  const match = WS_PATH.exec(pathname);
  if (!match?.[1]) return { ok: false, status: 404 };
  let userId: string;
  try {
    userId = decodeURIComponent(match[1]);
  } catch {
    return { ok: false, status: 400 };
  }
  if (userId.length > MAX_USER_ID_LENGTH || CONTROL_CHARS.test(userId)) {
    return { ok: false, status: 400 };
  }
  return { ok: true, userId };
}
