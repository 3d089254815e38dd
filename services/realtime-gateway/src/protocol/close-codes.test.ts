import { AppError } from '@communities/contracts';
import { closeForAuthError, upgradeStatusFor } from './close-codes';

describe('closeForAuthError', () => {
  it('closes UNAUTHENTICATED with 4401 and FORBIDDEN with 4403, the message as reason', () => {
    expect(closeForAuthError(new AppError('UNAUTHENTICATED', 'token expired'))).toEqual({
      code: 4401,
      reason: 'token expired',
    });
    expect(closeForAuthError(new AppError('FORBIDDEN', 'not yours'))).toEqual({
      code: 4403,
      reason: 'not yours',
    });
  });

  it('closes SERVICE_UNAVAILABLE with 1013 (try again later), and refuses its upgrade with 503', () => {
    const unavailable = new AppError('SERVICE_UNAVAILABLE', 'access cannot be checked right now');
    expect(closeForAuthError(unavailable)).toMatchObject({ code: 1013 });
    expect(upgradeStatusFor(unavailable)).toBe(503);
    expect(upgradeStatusFor(new AppError('FORBIDDEN', 'x'))).toBe(403);
    expect(upgradeStatusFor(new AppError('UNAUTHENTICATED', 'x'))).toBe(401);
  });

  it('keeps the reason within the 123 bytes a close frame allows', () => {
    const { reason } = closeForAuthError(new AppError('UNAUTHENTICATED', 'é'.repeat(100)));
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).toBe('é'.repeat(61));
  });
});
