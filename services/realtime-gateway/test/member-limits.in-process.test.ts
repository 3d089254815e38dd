import { InProcessEventBus } from '@communities/broker';
import { eventually } from '@communities/test-support';
import { pino } from 'pino';
import { accessToken } from './support/auth';
import { newId } from './support/events';
import { type RunningGateway, startGateway } from './support/harness';
import { TestClient } from './support/test-client';

describe('realtime-gateway limits per member', () => {
  let gateway: RunningGateway;
  const clients: TestClient[] = [];
  const track = (client: TestClient): TestClient => {
    clients.push(client);
    return client;
  };
  const connect = async (userId: string) =>
    track(await TestClient.connect(gateway.port, userId, await accessToken(userId)));
  const gauge = async (name: string): Promise<string | undefined> => {
    const text = await (await fetch(gateway.url('/metrics'))).text();
    return new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1];
  };
  const leave = { action: 'leave_thread', thread_id: newId() };

  beforeEach(async () => {
    // 2 sockets per member; 3 actions per member per minute (no window ends during a test).
    gateway = await startGateway(
      new InProcessEventBus(pino({ level: 'silent' })),
      {},
      { WS_MAX_SOCKETS_PER_MEMBER: '2', WS_RATE_LIMIT_ACTIONS: '3/60' },
    );
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await gateway.gateway.stop();
  });

  it("closes a member's socket past WS_MAX_SOCKETS_PER_MEMBER with 4429, other members still connect", async () => {
    const [memberId, otherId] = [newId(), newId()];
    const token = await accessToken(memberId);
    const first = await connect(memberId);
    await connect(memberId);

    // Token in the upgrade: admitted at once, so refused at once.
    const third = track(
      await TestClient.open(gateway.port, memberId, {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    expect(await third.waitForClose()).toEqual({ code: 4429, reason: 'too many connections' });
    // Token in the first frame: refused instead of the ack, never told `connected`.
    const fourth = track(await TestClient.open(gateway.port, memberId));
    fourth.send({ action: 'authenticate', token, ref: 'a1' });
    expect(await fourth.waitForClose()).toEqual({ code: 4429, reason: 'too many connections' });
    expect([...third.frames, ...fourth.frames]).toEqual([]);

    const other = await connect(otherId);
    expect(other.frames).toContainEqual({ type: 'connected', user_id: otherId });
    expect(await gauge('gateway_sockets_refused_total')).toBe('2');

    // A closed socket frees its place (once the gateway saw the close).
    await first.close();
    await eventually(() => gateway.gateway.connectionCount === 2);
    await connect(memberId);
  });

  it("makes every socket of a member spend one action budget, and not other members'", async () => {
    const [memberId, otherId] = [newId(), newId()];
    const first = await connect(memberId);
    const second = await connect(memberId);
    const other = await connect(otherId);
    for (let i = 0; i < 3; i += 1) await first.ack(leave);

    expect(await second.request(leave)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(await first.request(leave)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(second.isOpen).toBe(true);
    await other.ack(leave);
  });

  it('keeps the budget while any socket of the member is open, and forgets the member after the last', async () => {
    const memberId = newId();
    const first = await connect(memberId);
    const second = await connect(memberId);
    for (let i = 0; i < 3; i += 1) await first.ack(leave);
    await first.close();
    await eventually(() => gateway.gateway.connectionCount === 1);
    // A socket opened while another is still open inherits the spent budget: no reset by reconnect.
    const third = await connect(memberId);
    expect(await third.request(leave)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await gauge('gateway_members')).toBe('1');

    await Promise.all([second.close(), third.close()]);
    await eventually(async () => (await gauge('gateway_members')) === '0');
  });
});
