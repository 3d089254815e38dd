import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

/**
 * The key a client IP is counted under. An IPv6 client usually holds a whole /64 (one host can
 * rotate through 2^64 addresses), so IPv6 is counted per /64 prefix; IPv4 and IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, what a dual-stack socket reports) per address.
 */
export function ipKey(ip: string): string {
  const address = ip.split('%')[0] ?? ip; // drop an IPv6 zone id (`fe80::1%eth0`)
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, lower-case and without leading zeros. */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const groups = (part: string): string[] => {
    if (part === '') return [];
    const pieces = part.split(':');
    const last = pieces[pieces.length - 1] ?? '';
    if (last.includes('.')) {
      // An embedded IPv4 tail (`64:ff9b::1.2.3.4`) is two groups.
      const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
      pieces.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
    }
    return pieces.map((piece) => parseInt(piece, 16).toString(16));
  };
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const zeros = Array<string>(8 - front.length - back.length).fill('0');
  return [...front, ...zeros, ...back];
}

/**
 * The key a login name is counted under: case-insensitive like the lookup itself (`Ada` and
 * `ada` are one account), and hashed so Redis never holds usernames or e-mail addresses and an
 * arbitrary long login cannot make a long key.
 */
export function loginKey(login: string): string {
  return createHash('sha256').update(login.trim().toLowerCase()).digest('base64url');
}

/**
 * The account a login is counted under: the member it names, when it names one, so that the
 * username and the e-mail of one account are one budget; otherwise the login itself, so guesses
 * at names nobody has are limited the same way (and answered the same, which hides who exists).
 */
export function accountKey(memberId: string | undefined, login: string): string {
  return memberId === undefined ? `login:${loginKey(login)}` : `member:${memberId}`;
}

/** The key of one source's failures on one account (`account` as `accountKey` made it). */
export function sourceKey(account: string, ip: string): string {
  return `${account}:${ipKey(ip)}`;
}
