import { accountKey, ipKey, loginKey, sourceKey } from './rate-limit-keys';

describe('ipKey', () => {
  it('counts an IPv4 client per address', () => {
    expect(ipKey('198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts an IPv4 client the same whether the socket reports it mapped into IPv6 or not', () => {
    expect(ipKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(ipKey('::FFFF:198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts an IPv6 client per /64, however the address is written', () => {
    const key = ipKey('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(ipKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe(key);
    expect(ipKey('2001:db8:1:2:0:0:0:9%eth0')).toBe(key);
    expect(ipKey('2001:db8:1:3::1')).not.toBe(key);
  });

  it('expands compressed and IPv4-suffixed IPv6 addresses before taking the prefix', () => {
    expect(ipKey('::1')).toBe('0:0:0:0::/64');
    expect(ipKey('fe80::1')).toBe('fe80:0:0:0::/64');
    expect(ipKey('64:ff9b::198.51.100.7')).toBe('64:ff9b:0:0::/64');
    expect(ipKey('2001:db8::')).toBe('2001:db8:0:0::/64');
  });

  it('keeps anything that is not an IP address as it is', () => {
    expect(ipKey('unknown')).toBe('unknown');
  });
});

describe('loginKey', () => {
  it('is the same for every spelling of one login', () => {
    expect(loginKey('Ada@Example.com')).toBe(loginKey('ada@example.com'));
    expect(loginKey(' ada ')).toBe(loginKey('ADA'));
    expect(loginKey('ada')).not.toBe(loginKey('grace'));
  });

  it('never contains the login and stays short whatever its length', () => {
    const key = loginKey('ada@example.com');
    expect(key).not.toMatch(/ada|example/i);
    expect(loginKey('x'.repeat(10_000))).toHaveLength(43);
  });
});

describe('accountKey', () => {
  const ada = 'a'.repeat(24);

  it('is the member for every login that names them, username or e-mail', () => {
    expect(accountKey(ada, 'ada')).toBe(accountKey(ada, 'ada@example.com'));
    expect(accountKey(ada, 'ada')).not.toContain('ada@');
  });

  it('is the login itself, in any spelling, when it names nobody; never a member key', () => {
    expect(accountKey(undefined, 'Nobody')).toBe(accountKey(undefined, ' nobody'));
    expect(accountKey(undefined, 'nobody')).not.toBe(accountKey(undefined, 'somebody'));
    expect(accountKey(undefined, ada)).not.toBe(accountKey(ada, ada));
    expect(accountKey(undefined, 'nobody')).not.toMatch(/nobody/);
  });
});

describe('sourceKey', () => {
  it('is one per account and client address, the address counted like ipKey', () => {
    const account = accountKey('a'.repeat(24), 'ada');
    expect(sourceKey(account, '::ffff:198.51.100.7')).toBe(sourceKey(account, '198.51.100.7'));
    expect(sourceKey(account, '198.51.100.7')).not.toBe(sourceKey(account, '198.51.100.8'));
    expect(sourceKey(account, '198.51.100.7')).not.toBe(
      sourceKey(accountKey('b'.repeat(24), 'grace'), '198.51.100.7'),
    );
  });
});
