import { type IncomingMessage } from 'node:http';
import { tokenFromUpgrade } from './token-source';

const request = (url: string, authorization?: string): IncomingMessage =>
  ({ url, headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe('tokenFromUpgrade', () => {
  it('takes the bearer token from the Authorization header first', () => {
    expect(tokenFromUpgrade(request('/ws/u?token=q', 'Bearer h.t.s'))).toEqual({
      kind: 'header',
      token: 'h.t.s',
    });
    expect(tokenFromUpgrade(request('/ws/u', 'bearer  h.t.s '))).toEqual({
      kind: 'header',
      token: 'h.t.s',
    });
  });

  it('falls back to the token query parameter', () => {
    expect(tokenFromUpgrade(request('/ws/u?token=q.t.s'))).toEqual({
      kind: 'query',
      token: 'q.t.s',
    });
  });

  it('reports no token when there is none', () => {
    expect(tokenFromUpgrade(request('/ws/u'))).toEqual({ kind: 'none' });
    expect(tokenFromUpgrade(request('/ws/u?other=1'))).toEqual({ kind: 'none' });
  });

  it.each([
    ['another scheme', '/ws/u', 'Basic YTpi'],
    ['an empty bearer', '/ws/u', 'Bearer '],
    ['two tokens', '/ws/u', 'Bearer a b'],
    ['an empty query token', '/ws/u?token=', undefined],
  ])('reports %s as malformed', (_name, url, authorization) => {
    expect(tokenFromUpgrade(request(url, authorization))).toEqual({ kind: 'malformed' });
  });
});
