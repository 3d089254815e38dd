import { InProcessEventBus } from '@communities/broker';
import { pino } from 'pino';
import { accessToken, joinThread } from './support/auth';
import { newId } from './support/events';
import { type RunningGateway, startGateway } from './support/harness';
import { TestClient } from './support/test-client';

describe('realtime-gateway rate limit on client actions', () => {
  let gateway: RunningGateway;
  const clients: TestClient[] = [];
  const channelGauge = async (): Promise<string | undefined> => {
    const text = await (await fetch(gateway.url('/metrics'))).text();
    return /^gateway_channel_subscriptions (\d+)$/m.exec(text)?.[1];
  };
  const connect = async (userId: string, via: 'header' | 'frame' = 'header') => {
    const client = await TestClient.connect(gateway.port, userId, await accessToken(userId), via);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    // 3 actions per 1-second window.
    gateway = await startGateway(
      new InProcessEventBus(pino({ level: 'silent' })),
      {},
      {
        WS_RATE_LIMIT_ACTIONS: '3/1',
      },
    );
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await gateway.gateway.stop();
  });

  it('answers RATE_LIMITED past the limit, skips the action, keeps the socket, recovers', async () => {
    const [memberId, thread] = [newId(), newId()];
    // authenticate is not counted: the frame path gets its full allowance afterwards.
    const member = await connect(memberId, 'frame');
    const other = await connect(newId());
    for (let i = 0; i < 3; i += 1) await member.ack({ action: 'leave_thread', thread_id: thread });

    const refused = await member.request(await joinThread(memberId, thread));
    expect(refused).toMatchObject({ type: 'error', code: 'RATE_LIMITED', ref: 'r5' });
    expect(refused.message).toMatch(/retry in 1 s/);
    expect(member.isOpen).toBe(true);
    expect(await channelGauge()).toBe('1'); // global only: the refused join did not happen
    // The limit is per member: another member's socket is unaffected.
    await other.ack({ action: 'leave_thread', thread_id: thread });

    // After the window the same join goes through.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await member.ack(await joinThread(memberId, thread));
    expect(await channelGauge()).toBe('2');
  });

  it('counts refused frames too', async () => {
    const member = await connect(newId());
    for (let i = 0; i < 3; i += 1) {
      expect(await member.request({ action: 'fly' })).toMatchObject({ code: 'UNKNOWN_ACTION' });
    }
    expect(await member.request({ action: 'fly' })).toMatchObject({ code: 'RATE_LIMITED' });
  });
});
