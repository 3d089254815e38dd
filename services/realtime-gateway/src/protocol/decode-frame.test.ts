import { decodeClientFrame } from './decode-frame';

const THREAD = '0123456789abcdef01234567';

describe('decodeClientFrame', () => {
  it('decodes a join_thread action with its ref', () => {
    const frame = JSON.stringify({ action: 'join_thread', thread_id: THREAD, ref: 'r1' });
    expect(decodeClientFrame(frame)).toEqual({
      ok: true,
      action: { action: 'join_thread', thread_id: THREAD, ref: 'r1' },
    });
  });

  it("accepts the spec's typing frame that also carries a user_id", () => {
    const frame = JSON.stringify({ action: 'typing', thread_id: THREAD, user_id: 'someone' });
    expect(decodeClientFrame(frame)).toMatchObject({ ok: true, action: { action: 'typing' } });
  });

  it('refuses malformed JSON with INVALID_JSON', () => {
    expect(decodeClientFrame('{"action":')).toMatchObject({
      ok: false,
      code: 'INVALID_JSON',
      reason: 'invalid_json',
    });
  });

  it.each(['[]', '"join_thread"', '42', 'null'])(
    'refuses the non-object %s with VALIDATION_FAILED',
    (text) => {
      expect(decodeClientFrame(text)).toMatchObject({
        ok: false,
        code: 'VALIDATION_FAILED',
        reason: 'not_object',
      });
    },
  );

  it('refuses an unknown action with UNKNOWN_ACTION and echoes the ref', () => {
    const result = decodeClientFrame(JSON.stringify({ action: 'dance', ref: 'r2' }));
    expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_ACTION', ref: 'r2' });
  });

  it('refuses a frame without an action with UNKNOWN_ACTION', () => {
    expect(decodeClientFrame('{"thread_id":"x"}')).toMatchObject({
      ok: false,
      code: 'UNKNOWN_ACTION',
    });
  });

  it('refuses an invalid id with VALIDATION_FAILED naming the field', () => {
    const result = decodeClientFrame(
      JSON.stringify({ action: 'join_thread', thread_id: 'nope', ref: 'r3' }),
    );
    expect(result).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
      reason: 'invalid_fields',
      ref: 'r3',
    });
    expect(!result.ok && result.message).toMatch(/^thread_id: /);
  });

  it('refuses a missing id and unexpected fields', () => {
    expect(decodeClientFrame('{"action":"join_community"}')).toMatchObject({
      ok: false,
      code: 'VALIDATION_FAILED',
    });
    const extra = JSON.stringify({ action: 'leave_thread', thread_id: THREAD, extra: 1 });
    expect(decodeClientFrame(extra)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
  });

  it('does not echo a ref that breaks the contract', () => {
    const result = decodeClientFrame(JSON.stringify({ action: 'dance', ref: 'x'.repeat(65) }));
    expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_ACTION' });
    expect(!result.ok && result.ref).toBeUndefined();
  });
});
