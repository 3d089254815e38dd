import { type DrainTarget, drain } from './drain';

interface FakeTarget extends DrainTarget {
  frames: unknown[];
  /** Fake-clock time and code of the close. */
  ended?: { at: number; code: number };
  terminatedAt?: number;
}

function fakeTarget(answersClose = true): FakeTarget {
  let resolve: () => void = () => undefined;
  const target: FakeTarget = {
    frames: [],
    closed: new Promise<void>((r) => (resolve = r)),
    send: (frame) => target.frames.push(JSON.parse(frame)),
    close: (code) => {
      target.ended ??= { at: Date.now(), code };
      if (answersClose) resolve();
    },
    terminate: () => {
      target.terminatedAt ??= Date.now();
      resolve();
    },
  };
  return target;
}

/** 0, 1/n, 2/n, ...: a spread the assertions can name exactly. */
const evenly = (n: number) => {
  let i = 0;
  return () => i++ / n;
};

describe('drain', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('tells every socket when to reconnect, spread over the window, and closes each with 1012 then', async () => {
    const targets = [fakeTarget(), fakeTarget(), fakeTarget(), fakeTarget()];
    const done = drain(targets, { windowMs: 1000, closeGraceMs: 5000, random: evenly(4) });
    expect(targets.map((t) => t.frames)).toEqual(
      [0, 250, 500, 750].map((afterMs) => [{ type: 'reconnect', after_ms: afterMs }]),
    );
    expect(targets.some((t) => t.ended)).toBe(false);
    await jest.advanceTimersByTimeAsync(1000);
    await done;
    expect(targets.map((t) => t.ended)).toEqual(
      [0, 250, 500, 750].map((at) => ({ at, code: 1012 })),
    );
  });

  it('keeps every delay inside the window even when the random source returns its maximum', async () => {
    const target = fakeTarget();
    const done = drain([target], { windowMs: 1000, closeGraceMs: 0, random: () => 0.99999999 });
    expect(target.frames).toEqual([{ type: 'reconnect', after_ms: 999 }]);
    await jest.advanceTimersByTimeAsync(1000);
    await done;
    expect(target.ended).toEqual({ at: 999, code: 1012 });
  });

  it('closes at once with a window of 0', async () => {
    const target = fakeTarget();
    const done = drain([target], { windowMs: 0, closeGraceMs: 0 });
    expect(target.frames).toEqual([{ type: 'reconnect', after_ms: 0 }]);
    await jest.advanceTimersByTimeAsync(0);
    await done;
    expect(target.ended).toEqual({ at: 0, code: 1012 });
  });

  it('terminates a socket that does not answer its close by the end of the window plus the grace', async () => {
    const [polite, silent] = [fakeTarget(), fakeTarget(false)];
    let finished = false;
    const done = drain([polite, silent], { windowMs: 100, closeGraceMs: 50, random: evenly(2) });
    void done.then(() => (finished = true));
    await jest.advanceTimersByTimeAsync(149);
    expect(finished).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(silent).toMatchObject({ ended: { at: 50, code: 1012 }, terminatedAt: 150 });
    expect(polite.ended).toEqual({ at: 0, code: 1012 });
    expect(finished).toBe(true);
  });

  it('resolves at once without sockets', async () => {
    await drain([], { windowMs: 10_000, closeGraceMs: 5000 });
  });
});
