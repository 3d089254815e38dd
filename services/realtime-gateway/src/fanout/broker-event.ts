import { DomainEvent } from '@communities/contracts';

export type DecodedBrokerEvent =
  | { ok: true; event: DomainEvent }
  | {
      ok: false;
      reason: 'invalid_json' | 'invalid_event' | 'channel_mismatch';
      /** For the log: the first schema issues, or the channel the event names. */
      detail?: unknown;
    };

/**
 * One payload from the broker (live or from the history), validated against the `DomainEvent`
 * contract and against the channel it came on. Nothing invalid is ever forwarded to a client.
 */
export function decodeBrokerEvent(payload: string, channel: string): DecodedBrokerEvent {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  const parsed = DomainEvent.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: 'invalid_event', detail: parsed.error.issues.slice(0, 3) };
  }
  if (parsed.data.channel !== channel) {
    return { ok: false, reason: 'channel_mismatch', detail: parsed.data.channel };
  }
  return { ok: true, event: parsed.data };
}
