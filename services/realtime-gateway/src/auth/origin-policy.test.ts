import { createOriginPolicy } from './origin-policy';

describe('origin policy', () => {
  const allowed = createOriginPolicy(['https://app.example.com', 'HTTPS://Admin.Example.com:443/']);

  it('allows a request without Origin (not a browser)', () => {
    expect(allowed(undefined, 'gateway.example.com')).toBe(true);
  });

  it.each([
    ['http://localhost:5001', 'localhost:5001'],
    ['https://gateway.example.com', 'gateway.example.com'],
    ['https://gateway.example.com', 'gateway.example.com:443'],
    ['http://Gateway.Example.com', 'gateway.example.com'],
  ])('allows its own origin %s with Host %s', (origin, host) => {
    expect(allowed(origin, host)).toBe(true);
  });

  it.each([
    ['https://app.example.com', 'gateway.example.com'],
    ['https://admin.example.com', 'gateway.example.com'],
  ])('allows the configured origin %s', (origin, host) => {
    expect(allowed(origin, host)).toBe(true);
  });

  it.each([
    ['https://evil.example.com', 'gateway.example.com'],
    ['http://app.example.com', 'gateway.example.com'],
    ['https://app.example.com.evil.com', 'gateway.example.com'],
    ['http://localhost:5002', 'localhost:5001'],
    ['null', 'gateway.example.com'],
    ['file://', 'gateway.example.com'],
    ['https://gateway.example.com', undefined],
    ['https://a.com', 'evil.com@a.com'],
    ['not a url', 'gateway.example.com'],
  ])('refuses %s with Host %s', (origin, host) => {
    expect(allowed(origin, host)).toBe(false);
  });

  it('refuses every foreign origin when none is configured', () => {
    const sameOriginOnly = createOriginPolicy([]);
    expect(sameOriginOnly('https://app.example.com', 'gateway.example.com')).toBe(false);
    expect(sameOriginOnly('https://gateway.example.com', 'gateway.example.com')).toBe(true);
  });
});
