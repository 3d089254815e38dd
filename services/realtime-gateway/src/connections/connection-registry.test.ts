import { AppError } from '@communities/contracts';
import { ConnectionRegistry } from './connection-registry';
import { type LocalConnection } from './local-connection';

function connection(id: string): LocalConnection {
  return {
    id,
    userId: `user-${id}`,
    isOpen: true,
    bufferedAmount: 0,
    send: jest.fn(),
    close: jest.fn(),
  };
}

function setup(options: { maxChannelsPerSocket?: number; failSubscribe?: boolean } = {}) {
  const calls: string[] = [];
  const registry = new ConnectionRegistry(
    {
      firstJoined: (channel) => {
        calls.push(`subscribe ${channel}`);
        return options.failSubscribe ? Promise.reject(new Error('broker down')) : Promise.resolve();
      },
      lastLeft: (channel) => {
        calls.push(`unsubscribe ${channel}`);
        return Promise.resolve();
      },
    },
    {
      maxChannelsPerSocket: options.maxChannelsPerSocket ?? 10,
      implicitChannels: new Set(['global']),
    },
  );
  return { registry, calls };
}

describe('ConnectionRegistry', () => {
  it('subscribes on the first join of a channel and unsubscribes after the last leave', async () => {
    const { registry, calls } = setup();
    const [a, b] = [connection('a'), connection('b')];
    registry.add(a);
    registry.add(b);
    await registry.join(a, 'thread:1');
    await registry.join(b, 'thread:1');
    expect(calls).toEqual(['subscribe thread:1']);
    await registry.leave(a, 'thread:1');
    expect(calls).toEqual(['subscribe thread:1']);
    await registry.leave(b, 'thread:1');
    expect(calls).toEqual(['subscribe thread:1', 'unsubscribe thread:1']);
    expect(registry.channelCount).toBe(0);
  });

  it('counts a socket once when it joins the same channel twice', async () => {
    const { registry, calls } = setup();
    const a = connection('a');
    registry.add(a);
    await registry.join(a, 'thread:1');
    await registry.join(a, 'thread:1');
    expect(registry.membersOf('thread:1')?.size).toBe(1);
    await registry.leave(a, 'thread:1');
    expect(calls).toEqual(['subscribe thread:1', 'unsubscribe thread:1']);
  });

  it('treats leaving a channel the socket is not in as a no-op', async () => {
    const { registry, calls } = setup();
    const a = connection('a');
    registry.add(a);
    await expect(registry.leave(a, 'thread:1')).resolves.toBe(false);
    expect(calls).toEqual([]);
  });

  it('releases every join of a socket on disconnect, keeping channels other sockets hold', async () => {
    const { registry, calls } = setup();
    const [a, b] = [connection('a'), connection('b')];
    registry.add(a);
    registry.add(b);
    await registry.join(a, 'thread:1');
    await registry.join(a, 'community:1');
    await registry.join(b, 'community:1');
    await registry.release(a);
    expect(calls).toEqual(['subscribe thread:1', 'subscribe community:1', 'unsubscribe thread:1']);
    expect(registry.membersOf('community:1')).toEqual(new Set([b]));
    expect(registry.connectionCount).toBe(1);
  });

  it('ignores a join from a socket that already disconnected', async () => {
    const { registry, calls } = setup();
    const a = connection('a');
    registry.add(a);
    await registry.release(a);
    await registry.join(a, 'thread:1');
    expect(calls).toEqual([]);
  });

  it('refuses a join past the per-socket limit, not counting implicit channels', async () => {
    const { registry } = setup({ maxChannelsPerSocket: 2 });
    const a = connection('a');
    registry.add(a);
    await registry.join(a, 'global');
    await registry.join(a, 'thread:1');
    await registry.join(a, 'thread:2');
    const refused = registry.join(a, 'thread:3');
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect([...registry.subscriptionsOf(a).keys()]).toEqual(['global', 'thread:1', 'thread:2']);
  });

  it('undoes a join the broker refused so that a retry subscribes again', async () => {
    const { registry, calls } = setup({ failSubscribe: true });
    const a = connection('a');
    registry.add(a);
    await expect(registry.join(a, 'thread:1')).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(registry.subscriptionsOf(a).size).toBe(0);
    await expect(registry.join(a, 'thread:1')).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(calls.filter((call) => call.startsWith('subscribe'))).toHaveLength(2);
  });

  it('remembers the access each subscription was granted, replaced by a later join', async () => {
    const { registry } = setup();
    const a = connection('a');
    registry.add(a);
    await registry.join(a, 'global');
    await registry.join(a, 'community:c1', { communityId: 'c1', membershipBound: false });
    await registry.join(a, 'community:c1', { communityId: 'c1', membershipBound: true });
    expect(registry.subscriptionsOf(a)).toEqual(
      new Map([
        ['global', undefined],
        ['community:c1', { communityId: 'c1', membershipBound: true }],
      ]),
    );
    expect(registry.isJoined(a, 'community:c1')).toBe(true);
    expect(registry.isJoined(a, 'community:c2')).toBe(false);
  });

  it('indexes sockets by user and channels by community until they are gone', async () => {
    const { registry } = setup();
    const [a1, a2, b] = [connection('a1'), connection('a2'), connection('b')];
    const sameUser = { ...a2, userId: a1.userId };
    for (const c of [a1, sameUser, b]) registry.add(c);
    const access = { communityId: 'c1', membershipBound: true };
    await registry.join(a1, 'community:c1', access);
    await registry.join(b, 'thread:t1', access);
    await registry.join(b, 'thread:t2', { communityId: 'c2', membershipBound: true });
    expect(registry.connectionsOf(a1.userId)).toEqual(new Set([a1, sameUser]));
    expect(registry.channelsOfCommunity('c1')).toEqual(new Set(['community:c1', 'thread:t1']));

    await registry.release(a1);
    await registry.leave(b, 'thread:t1');
    expect(registry.connectionsOf(a1.userId)).toEqual(new Set([sameUser]));
    expect(registry.channelsOfCommunity('c1').size).toBe(0);
    expect(registry.channelsOfCommunity('c2')).toEqual(new Set(['thread:t2']));
  });

  it('keeps a user with one socket, then several, then one again, then none', async () => {
    const { registry } = setup();
    const first = connection('a1');
    const second = { ...connection('a2'), userId: first.userId };
    registry.add(first);
    expect(registry.connectionsOf(first.userId)).toEqual(new Set([first]));
    registry.add(second);
    expect(registry.connectionsOf(first.userId)).toEqual(new Set([first, second]));
    await registry.release(first);
    expect(registry.connectionsOf(first.userId)).toEqual(new Set([second]));
    await registry.release(second);
    expect(registry.connectionsOf(first.userId).size).toBe(0);
    registry.add(first);
    expect(registry.connectionsOf(first.userId)).toEqual(new Set([first]));
  });

  it('shares one access object between sockets granted the same access to a channel', async () => {
    const { registry } = setup();
    const [a, b, c] = [connection('a'), connection('b'), connection('c')];
    for (const s of [a, b, c]) registry.add(s);
    await registry.join(a, 'thread:t1', { communityId: 'c1', membershipBound: true });
    await registry.join(b, 'thread:t1', { communityId: 'c1', membershipBound: true });
    await registry.join(c, 'thread:t1', { communityId: 'c1', membershipBound: false });
    const accessOf = (s: LocalConnection) => registry.subscriptionsOf(s).get('thread:t1');
    expect(accessOf(b)).toBe(accessOf(a));
    expect(accessOf(c)).toEqual({ communityId: 'c1', membershipBound: false });
    expect(accessOf(a)).toEqual({ communityId: 'c1', membershipBound: true });
  });

  it('makes a second joiner wait for the subscription the first joiner started', async () => {
    let finish: () => void = () => undefined;
    const registry = new ConnectionRegistry(
      {
        firstJoined: () => new Promise<void>((resolve) => (finish = resolve)),
        lastLeft: () => Promise.resolve(),
      },
      { maxChannelsPerSocket: 10 },
    );
    const [a, b] = [connection('a'), connection('b')];
    registry.add(a);
    registry.add(b);
    let secondDone = false;
    const first = registry.join(a, 'thread:1');
    const second = registry.join(b, 'thread:1').then(() => (secondDone = true));
    await Promise.resolve();
    expect(secondDone).toBe(false);
    finish();
    await Promise.all([first, second]);
    expect(secondDone).toBe(true);
  });
});
