import { parseWsPath } from './ws-path';

describe('parseWsPath', () => {
  it.each([
    ['/ws/alice', 'alice'],
    ['/ws/alice/', 'alice'],
    ['/ws/0123456789abcdef01234567?token=x', '0123456789abcdef01234567'],
    ['/ws/j%C3%BCrgen', 'jürgen'],
  ])('takes the user id from %s', (url, userId) => {
    expect(parseWsPath(url)).toEqual({ ok: true, userId });
  });

  it.each(['/', '/ws', '/ws/', '/socket/alice', '/ws/alice/extra'])('answers 404 for %s', (url) => {
    expect(parseWsPath(url)).toEqual({ ok: false, status: 404 });
  });

  it.each(['/ws/%E0%A4%A', '/ws/a%00b', `/ws/${'x'.repeat(129)}`])('answers 400 for %s', (url) => {
    expect(parseWsPath(url)).toEqual({ ok: false, status: 400 });
  });
});
