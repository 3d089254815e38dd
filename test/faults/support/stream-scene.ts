import type { Message } from '@communities/contracts';
import { awaitDelivery } from './delivery';
import type { FaultStack } from './fault-stack';
import { SteadyPublisher } from './publisher';
import { Rest } from './rest';
import { ScriptedClient } from './scripted-client';

/** The stream of every scene: 20 messages a second for 5 s into one thread. */
export const STREAM = { count: 100, perSecond: 20 } as const;

/**
 * One thread, a publisher posting into it over REST (through the first api-service), and scripted
 * clients, each a member of its own, subscribed to it through the gateways: client i starts on
 * gateway `firstGateways[i]` and moves to the next gateway whenever it loses its socket.
 */
export class StreamScene {
  private constructor(
    readonly clients: ScriptedClient[],
    readonly publisher: SteadyPublisher,
  ) {}

  static async start(stack: FaultStack, firstGateways: readonly number[]): Promise<StreamScene> {
    const apiUrl = stack.apis[0]!.httpUrl;
    const rest = new Rest(apiUrl);
    const owner = await rest.member();
    const thread = await rest.thread(owner);
    const sessions = await Promise.all(firstGateways.map(() => rest.member()));
    const clients = sessions.map(
      (session, i) =>
        new ScriptedClient(`c${i + 1}`, session, {
          apiUrl,
          gatewayUrls: stack.gatewayUrls(),
          firstGateway: firstGateways[i]!,
        }),
    );
    const scene = new StreamScene(clients, new SteadyPublisher(apiUrl, owner, thread.id));
    await Promise.all(clients.map((client) => client.subscribe(thread.id)));
    return scene;
  }

  /**
   * Streams, runs `fault` once `faultAfter` messages were acknowledged, and finishes the stream;
   * then waits (bounded) for every client to have every message and posts one last message, so
   * that anything still on its way to a client (a late duplicate) arrives before the counting.
   * Resolves with every message sent.
   */
  async streamWithFault(faultAfter: number, fault: () => Promise<void>): Promise<Message[]> {
    const streaming = this.publisher.run(STREAM.count, STREAM.perSecond);
    streaming.catch(() => undefined); // awaited below; a failing fault must not leave it unhandled
    await this.publisher.whenSent(faultAfter);
    await fault();
    await streaming;
    await awaitDelivery(this.clients, this.publisher.sent);
    await this.publisher.run(1, STREAM.perSecond);
    await awaitDelivery(this.clients, this.publisher.sent);
    return this.publisher.sent;
  }

  close(): void {
    for (const client of this.clients) client.close();
  }
}
