import { CLIENT_ACTIONS, ClientAction, type ErrorCode } from '@communities/contracts';

/** Why a decoded text frame was refused; part of the `reason` label of the invalid-frames metric. */
export type DecodeRefusalReason =
  'invalid_json' | 'not_object' | 'unknown_action' | 'invalid_fields';

export type DecodedFrame =
  | { ok: true; action: ClientAction }
  | { ok: false; reason: DecodeRefusalReason; code: ErrorCode; message: string; ref?: string };

const KNOWN_ACTIONS: ReadonlySet<string> = new Set(CLIENT_ACTIONS);

/** A `ref` worth echoing: the same rule as the contract's (1..64 chars), checked before the rest. */
function refOf(frame: Record<string, unknown>): string | undefined {
  const ref = frame.ref;
  return typeof ref === 'string' && ref.length > 0 && ref.length <= 64 ? ref : undefined;
}

/**
 * Decodes one text frame into a `ClientAction`. Never throws: every refusal carries the catalogue
 * code the client sees in its error frame (INVALID_JSON, UNKNOWN_ACTION, VALIDATION_FAILED) and
 * the `ref` to echo when the frame had a usable one.
 */
export function decodeClientFrame(text: string): DecodedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      reason: 'invalid_json',
      code: 'INVALID_JSON',
      message: 'frame is not valid JSON',
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      reason: 'not_object',
      code: 'VALIDATION_FAILED',
      message: 'frame must be a JSON object with an "action"',
    };
  }
  const frame = value as Record<string, unknown>;
  const ref = refOf(frame);
  if (typeof frame.action !== 'string' || !KNOWN_ACTIONS.has(frame.action)) {
    const shown = typeof frame.action === 'string' ? `"${frame.action.slice(0, 40)}"` : 'missing';
    return {
      ok: false,
      reason: 'unknown_action',
      code: 'UNKNOWN_ACTION',
      message: `unknown action ${shown}; expected one of ${CLIENT_ACTIONS.join(', ')}`,
      ref,
    };
  }
  const parsed = ClientAction.safeParse(frame);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    );
    return {
      ok: false,
      reason: 'invalid_fields',
      code: 'VALIDATION_FAILED',
      message: problems.join('; '),
      ref,
    };
  }
  return { ok: true, action: parsed.data };
}
