import { randomUUID } from 'node:crypto';
import { type DomainEvent, EPHEMERAL_EVENT_TYPES } from '@communities/contracts';
import { type HistoryOptions } from './event-bus';

/** Both implementations share these rules; only where the counter and history live differs. */

export const DEFAULT_HISTORY: Readonly<HistoryOptions> = { maxEvents: 1000, ttlSeconds: 86_400 };

/** Fills in the defaults; a bound that is not a positive integer fails at construction. */
export function historyOptions(given: Partial<HistoryOptions> = {}): HistoryOptions {
  const options = { ...DEFAULT_HISTORY, ...given };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`history.${name} must be a positive integer, got ${value}`);
    }
  }
  return options;
}

export function isDurable(event: DomainEvent): boolean {
  return !EPHEMERAL_EVENT_TYPES.has(event.type);
}

/**
 * The event's JSON text without any `seq`/`epoch` it already carries: those are the broker's to
 * assign, and a second pair would be duplicate keys in the spliced payload.
 */
export function eventJson(event: DomainEvent): string {
  if (event.seq === undefined && event.epoch === undefined) return JSON.stringify(event);
  const { seq: _seq, epoch: _epoch, ...unsequenced } = event;
  return JSON.stringify(unsequenced);
}

/**
 * Appends `"seq"` and `"epoch"` to an object's JSON text (which ends with `}`), the same splice
 * the Redis script makes, so both buses emit byte-identical payloads. Epochs come from
 * `newEpoch()` and need no escaping.
 */
export function spliceSequence(json: string, seq: number, epoch: string): string {
  return `${json.slice(0, -1)},"seq":${seq},"epoch":"${epoch}"}`;
}

/** Fresh per attempt, never reused: a history reset must never come back under an old epoch. */
export function newEpoch(): string {
  return randomUUID();
}

/** A caller's `afterSeq` is a position: an integer >= 0. */
export function checkAfterSeq(afterSeq: number): void {
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw new RangeError(`afterSeq must be an integer >= 0, got ${afterSeq}`);
  }
}
