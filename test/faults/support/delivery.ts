import type { Message } from '@communities/contracts';
import type { ScriptedClient } from './scripted-client';

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
  };
}

const gatewayName = (index: number): string => String.fromCharCode(97 + index);

/** One line per client: `[faults] <scenario> c1 (gateways a→b): sent=… received=… missing=… duplicated=…`. */
export function printCounts(scenario: string, clients: readonly ScriptedClient[], sent: Message[]) {
  const counts = clients.map((client) => deliveryCounts(sent, client));
  const lines = counts.map((c, i) => {
    const route = clients[i]!.gateways.map(gatewayName).join('→');
    return (
      `[faults] ${scenario} ${c.client} (gateways ${route}): sent=${c.sent} received=${c.received} ` +
      `missing=${c.missing} duplicated=${c.duplicated} out_of_order=${c.outOfOrder}`
    );
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
