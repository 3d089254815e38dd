import { createEvent, type DomainEvent } from '@communities/contracts';
import { at, hexId, useStore, type OpenStore } from './fixtures';

/** A complete, valid event (its content does not matter to the outbox). */
function event(n: number): DomainEvent {
  return createEvent(
    'message_deleted',
    { message_id: hexId(), thread_id: hexId() },
    new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
  );
}

export function outboxContract(open: OpenStore): void {
  const store = useStore(open);

  it("returns an owner's entries in publication order, each event exactly as stored", async () => {
    const { repos } = store();
    const [owner, other] = [hexId(), hexId()];
    const events = [event(1), event(2), event(3)];
    // Written out of order, as concurrent writes may land.
    await repos.outbox.add(owner, 3, events[2]!, at(1));
    await repos.outbox.add(owner, 1, events[0]!, at(2));
    await repos.outbox.add(other, 1, event(9), at(0));
    await repos.outbox.add(owner, 2, events[1]!, at(3));

    const pending = await repos.outbox.pending(owner, 10);
    expect(pending.map((e) => e.n)).toEqual([1, 2, 3]);
    expect(pending.map((e) => e.event)).toEqual(events);
    expect(pending.every((e) => e.owner === owner)).toBe(true);
    expect((await repos.outbox.pending(owner, 2)).map((e) => e.n)).toEqual([1, 2]);
    expect(await repos.outbox.countOf(owner)).toBe(3);
  });

  it('removes an entry once: the second relay to publish it is told so', async () => {
    const { repos } = store();
    const owner = hexId();
    await repos.outbox.add(owner, 1, event(1));
    const [entry] = await repos.outbox.pending(owner, 10);
    expect(await repos.outbox.remove(entry!.id)).toBe(true);
    expect(await repos.outbox.remove(entry!.id)).toBe(false);
    expect(await repos.outbox.pending(owner, 10)).toEqual([]);
  });

  it('names an owner with entries other than the given ones, or none', async () => {
    const { repos } = store();
    const [mine, dead] = [hexId(), hexId()];
    await repos.outbox.add(mine, 1, event(1));
    expect(await repos.outbox.ownerOutside([mine])).toBeNull();
    await repos.outbox.add(dead, 1, event(2));
    expect(await repos.outbox.ownerOutside([mine])).toBe(dead);
    expect(await repos.outbox.ownerOutside([mine, dead])).toBeNull();
  });

  it('holds, renews, expires and drops a lease', async () => {
    const { repos } = store();
    const owner = hexId();
    expect(await repos.outbox.renewLease(owner, at(0))).toBe(false);
    await repos.outbox.holdLease(owner, at(1));
    await repos.outbox.holdLease(owner, at(2));
    expect(await repos.outbox.allLeases()).toEqual([{ owner, renewed_at: at(2) }]);
    expect(await repos.outbox.renewLease(owner, at(3))).toBe(true);
    await repos.outbox.expireLease(owner);
    expect(await repos.outbox.allLeases()).toEqual([{ owner, renewed_at: new Date(0) }]);
    await repos.outbox.dropLease(owner);
    expect(await repos.outbox.allLeases()).toEqual([]);
  });

  it('hands a lease over only from the renewal the taker saw, or when there is none', async () => {
    const { repos } = store();
    const [owner, unleased] = [hexId(), hexId()];
    await repos.outbox.holdLease(owner, at(1));
    await repos.outbox.renewLease(owner, at(2));
    // Renewed since it was read: the owner is alive.
    expect(await repos.outbox.takeOverLease(owner, at(1), at(10))).toBe(false);
    expect(await repos.outbox.takeOverLease(owner, null, at(10))).toBe(false);
    expect(await repos.outbox.takeOverLease(owner, at(2), at(10))).toBe(true);
    expect(await repos.outbox.takeOverLease(owner, at(2), at(11))).toBe(false);
    expect(await repos.outbox.takeOverLease(unleased, null, at(10))).toBe(true);
    expect(await repos.outbox.takeOverLease(unleased, null, at(11))).toBe(false);
    const leases = await repos.outbox.allLeases();
    expect(leases.sort((a, b) => (a.owner < b.owner ? -1 : 1))).toEqual(
      [
        { owner, renewed_at: at(10) },
        { owner: unleased, renewed_at: at(10) },
      ].sort((a, b) => (a.owner < b.owner ? -1 : 1)),
    );
  });
}
