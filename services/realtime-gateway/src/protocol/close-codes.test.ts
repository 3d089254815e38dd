import { AppError } from '@communities/contracts';
import { closeForAuthError } from './close-codes';

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

  it('keeps the reason within the 123 bytes a close frame allows', () => {
    const { reason } = closeForAuthError(new AppError('UNAUTHENTICATED', 'é'.repeat(100)));
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).toBe('é'.repeat(61));
  });
});
