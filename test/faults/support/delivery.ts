import type { Message } from '@communities/contracts';
import type { ScriptedClient } from './scripted-client';
import { wireCounts, type WireCounts } from './wire-counts';

export interface DeliveryCounts {
  client: string;
  sent: number;
  /** Deliveries to `onMessage`, duplicates included. */
  received: number;
  /** Sent messages never delivered. */
  missing: number;
  /** Deliveries of a message already delivered. */
  duplicated: number;
  /** First deliveries whose seq is not above the previous one's. */
  outOfOrder: number;
  /** What the gateways sent on its sockets and REST brought, before the client's own dedupe. */
  wire: WireCounts;
  /** Messages the client delivered from a REST catch-up (not delivered before). */
  recovered: number;
}

/** What one client got of what was sent. */
export function deliveryCounts(sent: readonly Message[], client: ScriptedClient): DeliveryCounts {
  const seen = new Set<string>();
  let duplicated = 0;
  let outOfOrder = 0;
  let lastSeq = 0;
  for (const message of client.messages) {
    if (seen.has(message.id)) {
      duplicated += 1;
      continue;
    }
    seen.add(message.id);
    if (message.seq <= lastSeq) outOfOrder += 1;
    lastSeq = Math.max(lastSeq, message.seq);
  }
  return {
    client: client.name,
    sent: sent.length,
    received: client.messages.length,
    missing: sent.filter((message) => !seen.has(message.id)).length,
    duplicated,
    outOfOrder,
    wire: wireCounts(client.wire, client.threadId ?? '', sent),
    recovered: client.client.stats.recovered,
  };
}

const gatewayName = (index: number): string => String.fromCharCode(97 + index);

/**
 * Two lines per client: what it delivered, `[faults] <scenario> c1 (gateways a→b): sent=…
 * received=… missing=… duplicated=…`, then what its sockets and REST carried, `… c1 wire: …`.
 */
export function printCounts(scenario: string, clients: readonly ScriptedClient[], sent: Message[]) {
  const counts = clients.map((client) => deliveryCounts(sent, client));
  const lines = counts.flatMap((c, i) => {
    const route = clients[i]!.gateways.map(gatewayName).join('→');
    const w = c.wire;
    return [
      `[faults] ${scenario} ${c.client} (gateways ${route}): sent=${c.sent} received=${c.received} ` +
        `missing=${c.missing} duplicated=${c.duplicated} out_of_order=${c.outOfOrder}`,
      `[faults] ${scenario} ${c.client} wire: new_message=${w.newMessages} ` +
        `not_on_wire=${w.notOnWire} dup_in_join=${w.duplicatesInJoin} ` +
        `dup_across_joins=${w.duplicatesAcrossJoins} gaps=${w.gaps} (seqs skipped=${w.skippedSeqs}) ` +
        `backwards=${w.backwards} resync_required=${w.resyncRequired} ` +
        `epoch_changes=${w.epochChanges} joins=${w.joins}; rest: fetched=${w.restFetched} ` +
        `recovered=${c.recovered}`,
    ];
  });
  process.stdout.write(`\n${lines.join('\n')}\n`);
  return counts;
}

/**
 * Waits until every client delivered every sent message, or the timeout: it never throws, so that
 * the counts printed and asserted afterwards say what was missing.
 */
export async function awaitDelivery(
  clients: readonly ScriptedClient[],
  sent: readonly Message[],
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !clients.every((client) => client.hasAll(sent))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every client has every message exactly once, in seq order. */
export function expectEveryMessageOnceInOrder(counts: DeliveryCounts[]): void {
  expect(counts).toEqual(
    counts.map((c) => ({ ...c, received: c.sent, missing: 0, duplicated: 0, outOfOrder: 0 })),
  );
}

/**
 * What every join of every socket carried, as the gateway promises it today: the thread's events
 * in increasing seq order with no message twice, and every sent message either on a socket or in
 * a REST catch-up page (else the tap itself missed it). With `gapless`, also no seq skipped within
 * a join: a resume replays every event after `last_seq` (which does not hold across a broker that
 * lost its history: a new epoch begins wherever the gateway resubscribed).
 */
export function expectWireAsPromised(counts: DeliveryCounts[], { gapless = false } = {}): void {
  const promised = (w: WireCounts) => ({
    duplicatesInJoin: w.duplicatesInJoin,
    backwards: w.backwards,
    unaccounted: w.unaccounted,
    ...(gapless && { gaps: w.gaps }),
  });
  expect(counts.map((c) => ({ client: c.client, ...promised(c.wire) }))).toEqual(
    counts.map((c) => ({
      client: c.client,
      duplicatesInJoin: 0,
      backwards: 0,
      unaccounted: 0,
      ...(gapless && { gaps: 0 }),
    })),
  );
}
