import { z } from 'zod';

/**
 * `https://` or `http://`, then a non-empty host, then no whitespace. Lower-case scheme only, so
 * the OpenAPI `pattern` (which carries no flags) says exactly what is accepted.
 */
const WEB_URL_PATTERN = /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/;

/**
 * A link other members' clients load or follow (avatars, attachments): an absolute `https:` or
 * `http:` URL. Every other scheme is refused, `javascript:`, `data:` and `file:` above all,
 * since a client that renders the value as `src` or `href` would run or reveal it.
 */
export const WebUrl = z
  .url({ protocol: z.regexes.httpProtocol })
  .max(2048)
  .regex(WEB_URL_PATTERN, 'must be an absolute https:// or http:// URL')
  .meta({
    format: 'uri',
    description: 'absolute `https://` or `http://` URL, at most 2048 characters; no other scheme',
  });

/**
 * How a stored URL is served: as is when it has WebUrl's shape, else null. Values stored before
 * WebUrl was enforced stay in the store, but a `javascript:` avatar is never handed to a client.
 * The pattern alone (no URL parse): it is what decides the scheme, and it runs on every read.
 */
export function webUrlOrNull(value: string | null): string | null {
  return value !== null && WEB_URL_PATTERN.test(value) ? value : null;
}

/** Stored attachments as served: the WebUrls among them (see webUrlOrNull). */
export function webUrlsOnly(values: string[]): string[] {
  return values.filter((value) => webUrlOrNull(value) !== null);
}
