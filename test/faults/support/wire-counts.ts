import type { Message } from '@communities/contracts';
import type { WireConnection, WireFrame, WireTap } from './wire-tap';

/**
 * What the gateways put on one client's sockets for one thread channel, and what its REST
 * catch-ups brought, counted from the raw tap.
 *
 * A "join" is the stretch of one socket from a `join_thread` the client sent to the next one
 * (a resume after a reconnect, or a rejoin after a gap on the same socket). Within a join the
 * gateway promises the channel's durable events in seq order, once each, and, on a resume, every
 * one after `last_seq` (README: "every event after `last_seq`, in order and once"). These are the
 * channel's event seqs, not the messages' own seqs: two numberings today.
 */
export interface WireCounts {
  /** `new_message` frames of the thread, every socket, duplicates included. */
  newMessages: number;
  /** Sent messages that never came as a `new_message` frame on any socket. */
  notOnWire: number;
  /** Distinct messages in the REST catch-up pages the client fetched. */
  restFetched: number;
  /** Sent messages neither on the wire nor in a catch-up page: the tap missed something. */
  unaccounted: number;
  /** `new_message` frames of a message already received in the same join and epoch. */
  duplicatesInJoin: number;
  /** `new_message` frames of a message received before, but only in an earlier join or epoch. */
  duplicatesAcrossJoins: number;
  /** Seq jumps within a join (events skipped on the wire) that no `resync_required` explains. */
  gaps: number;
  /** The seqs those jumps skipped. */
  skippedSeqs: number;
  /** Durable events whose seq was not above the previous one of their join (same epoch). */
  backwards: number;
  resyncRequired: number;
  /** Durable events of a new epoch on a join already in another one (the broker lost its history). */
  epochChanges: number;
  /** `join_thread` actions sent: the first join, then one per resume or gap rejoin. */
  joins: number;
}

/** One join's position: the last seq seen (or resumed from) in its epoch, and its messages. */
interface Join {
  lastSeq: number | undefined;
  epoch: string | undefined;
  messageIds: Set<string>;
}

const EMPTY: Omit<WireCounts, 'notOnWire' | 'restFetched' | 'unaccounted'> = {
  newMessages: 0,
  duplicatesInJoin: 0,
  duplicatesAcrossJoins: 0,
  gaps: 0,
  skippedSeqs: 0,
  backwards: 0,
  resyncRequired: 0,
  epochChanges: 0,
  joins: 0,
};

export function wireCounts(tap: WireTap, threadId: string, sent: readonly Message[]): WireCounts {
  const channel = `thread:${threadId}`;
  const counts = { ...EMPTY };
  const onWire = new Set<string>();
  for (const connection of tap.connections) countConnection(connection, channel, counts, onWire);
  const fetched = new Set(tap.restMessages.map((message) => message.id));
  return {
    ...counts,
    notOnWire: sent.filter((message) => !onWire.has(message.id)).length,
    restFetched: fetched.size,
    unaccounted: sent.filter((message) => !onWire.has(message.id) && !fetched.has(message.id))
      .length,
  };
}

function countConnection(
  connection: WireConnection,
  channel: string,
  counts: typeof EMPTY,
  onWire: Set<string>,
): void {
  let join: Join | undefined;
  for (const { direction, frame } of connection.records) {
    if (direction === 'sent') {
      if (frame.action === 'join_thread' && `thread:${String(frame.thread_id)}` === channel) {
        counts.joins += 1;
        join = { lastSeq: num(frame.last_seq), epoch: str(frame.epoch), messageIds: new Set() };
      }
      continue;
    }
    if (!join || !isOf(frame, channel)) continue;
    if (frame.type === 'ack') {
      // A fresh join starts at the ack's position, unless events came first.
      if (frame.action === 'join_thread' && join.lastSeq === undefined) {
        join.lastSeq = num(frame.seq);
        join.epoch ??= str(frame.epoch);
      }
    } else if (frame.type === 'resync_required') {
      counts.resyncRequired += 1;
      join.lastSeq = num(frame.seq);
      join.epoch = str(frame.epoch);
    } else if (num(frame.seq) !== undefined) {
      countEvent(frame, join, counts, onWire);
    }
  }
}

function countEvent(frame: WireFrame, join: Join, counts: typeof EMPTY, onWire: Set<string>) {
  const seq = num(frame.seq)!;
  const epoch = str(frame.epoch);
  if (epoch !== undefined && join.epoch !== undefined && epoch !== join.epoch) {
    // A new epoch numbers from 1: what it skipped before this event is a gap like any other.
    counts.epochChanges += 1;
    join.lastSeq = 0;
    join.epoch = epoch;
    join.messageIds = new Set();
  }
  join.epoch ??= epoch;
  if (join.lastSeq !== undefined) {
    if (seq <= join.lastSeq) counts.backwards += 1;
    else if (seq > join.lastSeq + 1) {
      counts.gaps += 1;
      counts.skippedSeqs += seq - join.lastSeq - 1;
    }
  }
  join.lastSeq = Math.max(join.lastSeq ?? seq, seq);
  if (frame.type !== 'new_message') return;
  counts.newMessages += 1;
  const id = String((frame.data as { message?: { id?: unknown } } | undefined)?.message?.id);
  if (join.messageIds.has(id)) counts.duplicatesInJoin += 1;
  else if (onWire.has(id)) counts.duplicatesAcrossJoins += 1;
  join.messageIds.add(id);
  onWire.add(id);
}

function isOf(frame: WireFrame, channel: string): boolean {
  return frame.channel === channel;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** An epoch; the empty one (`resync_required` on a channel with no history) is none. */
function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
