import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ensureWebBuild } from '../../scripts/web-build';
import { MemberPage, until } from './support/member-page';
import { freePort } from '@communities/test-support';
import { ServiceProcess } from '../support/service-process';

/**
 * The web app in Chromium, against `npm start`'s process: two members sign up, meet in a
 * community and a thread, see each other's messages and typing live, and keep every message once
 * and in order across a restart of the server (same port, same DATA_DIR, a new signing key: old
 * access tokens are refused and the app refreshes them). Debian's chromium, never a download.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.join(__dirname, '..', '..');
/** Git-ignored; the run leaves its screenshots here. */
const SCREENSHOTS = path.join(ROOT, 'test-results', 'browser');
const PASSWORD = 'correct horse battery';

const available = existsSync(CHROMIUM);
if (!available && process.env.CI === 'true') {
  throw new Error(`CI=true but no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}
if (!available) {
  process.stdout.write(
    `[browser] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`,
  );
}

(available ? describe : describe.skip)('the web app, two members in Chromium', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  let port: number;
  let server: ServiceProcess;
  let browser: Browser;
  let ada: MemberPage;
  let bob: MemberPage;
  /** What both must show, in order, at the end: "author: content". */
  const expected: string[] = [];
  /**
   * `npm start`'s process on the same port and DATA_DIR each time, so a second one takes over from
   * the first as in an operator's restart. No AUTH_JWT_KEYS: each process signs with its own
   * random key, as `npm start` does.
   */
  const startServer = () =>
    ServiceProcess.start('standalone', 'standalone', { DATA_DIR: dataDir }, port);

  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'communities-web-'));
    port = await freePort();
    [server, browser] = await Promise.all([
      startServer(),
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        // Root (CI) cannot use Chromium's sandbox.
        args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
      }),
    ]);
    [ada, bob] = await Promise.all([
      MemberPage.open(browser, 'ada', server.httpUrl),
      MemberPage.open(browser, 'bob', server.httpUrl),
    ]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs up two members, each in a browser of their own', async () => {
    await Promise.all([ada.signUp(PASSWORD), bob.signUp(PASSWORD)]);
  });

  it('lets the owner of a private community invite a member, who joins by its link', async () => {
    await bob.createCommunity('Difference Engine Club', 'Cranks, columns and carry levers', {
      isPrivate: true,
    });
    const link = await bob.invite('ada');
    await ada.page.goto(link);
    await ada.page.locator('#threads-heading', { hasText: 'Difference Engine Club' }).waitFor();
    await ada.page.getByText('This community is private').waitFor();
    await ada.join('Difference Engine Club');
    await ada.page.getByText('No threads yet: start one.').waitFor();
  });

  it('creates a community and threads, pinned first, which the other member finds and joins', async () => {
    await ada.createCommunity('Lovelace Society', 'Analytical engines and their friends');
    await ada.createThread('The first program', 'Bernoulli numbers, step by step');
    await ada.createThread('Punched cards', 'Borrowed from the Jacquard loom');
    await ada.pin('The first program');
    // Bob's list learnt of the community live (global:notifications).
    await bob.openCommunity('Lovelace Society');
    await bob.join('Lovelace Society');
    // Pinned first, then the most recently active.
    expect(await bob.threadTitles()).toEqual(['Pinned The first program', 'Punched cards']);
    await bob.openThread('The first program');
    await ada.openThread('The first program');
  });

  it("shows each member the other's typing and messages live", async () => {
    await ada.typeSlowly('Note G');
    await until(
      'bob sees ada typing',
      () => bob.typing(),
      (t) => t === 'ada is typing…',
    );
    await ada.composer().press('Enter');
    expected.push('ada: Note G');
    await until(
      'bob sees ada’s message',
      () => bob.messages(),
      (m) => m.join() === expected.join(),
    );
    await until(
      'ada’s indicator ends',
      () => bob.typing(),
      (t) => t === '',
    );

    await bob.typeSlowly('Which engine runs it?');
    await until(
      'ada sees bob typing',
      () => ada.typing(),
      (t) => t === 'bob is typing…',
    );
    await bob.composer().press('Enter');
    expected.push('bob: Which engine runs it?');

    await ada.send('The Analytical Engine, once built');
    expected.push('ada: The Analytical Engine, once built');
    for (const member of [ada, bob]) {
      await until(
        `${member.name} sees all`,
        () => member.messages(),
        (m) => m.join() === expected.join(),
      );
    }
  });

  it('lets a member edit and delete their own messages, live for the other', async () => {
    await bob.send('typo: Diference Engine');
    await until(
      'ada sees it',
      () => ada.messages(),
      (m) => m.includes('bob: typo: Diference Engine'),
    );
    const typo = await bob.message('typo: Diference Engine');
    await typo.getByRole('button', { name: 'Delete message' }).click();
    await typo.getByRole('button', { name: 'Delete', exact: true }).click();
    await until(
      'gone for ada',
      () => ada.messages(),
      (m) => m.join() === expected.join(),
    );

    const mine = await ada.message('The Analytical Engine, once built');
    await mine.getByRole('button', { name: 'Edit message' }).click();
    await mine.getByLabel('Edit message').fill('The Analytical Engine, if it is ever built');
    await mine.getByRole('button', { name: 'Save' }).click();
    expected[2] = 'ada: The Analytical Engine, if it is ever built';
    await until(
      'bob sees the edit',
      () => bob.messages(),
      (m) => m.join() === expected.join(),
    );
    const edited = await bob.message('if it is ever built');
    await edited.getByText('(edited)').waitFor();
    // Nobody can edit another's message: bob has no such button on ada's.
    expect(await edited.getByRole('button').count()).toBe(0);
  });

  it('shows three columns at desktop width and one, with navigation, at phone width', async () => {
    await ada.screenshot(path.join(SCREENSHOTS, 'desktop-three-columns.png'));
    const { page } = bob;
    await page.setViewportSize({ width: 390, height: 780 });
    await bob.screenshot(path.join(SCREENSHOTS, 'phone-discussion.png'));
    // One column at a time: back to the threads, then to the communities, by the back links.
    await page.getByRole('link', { name: 'Lovelace Society' }).first().click();
    await page.locator('#threads-heading').waitFor();
    expect(await page.locator('.discussion').isVisible()).toBe(false);
    await bob.screenshot(path.join(SCREENSHOTS, 'phone-threads.png'));
    await page.getByRole('link', { name: 'Communities' }).click();
    await page.getByRole('navigation', { name: 'Communities' }).waitFor();
    expect(await page.locator('.threads').isVisible()).toBe(false);
    await bob.screenshot(path.join(SCREENSHOTS, 'phone-communities.png'));
    // ...and forward again by keyboard: the focus follows to the newly shown column.
    await page.getByRole('link', { name: /Lovelace Society/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: /The first program/ }).focus();
    await page.keyboard.press('Enter');
    await until(
      'discussion focused',
      () => page.evaluate('document.activeElement?.id'),
      (id) => id === 'discussion-heading',
    );
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('stays live across a server restart: every message once, in order, for both', async () => {
    await server.stop();
    for (const member of [ada, bob]) {
      await until(
        `${member.name} shows the outage`,
        () => member.connection(),
        (s) => s !== 'Live',
      );
    }
    // Sent while the server is away: kept, shown as not confirmed, sent again once it is back.
    await ada.send('Posted while the server was down');
    await ada.page.locator('li.pending', { hasText: 'Posted while the server was down' }).waitFor();
    expected.push('ada: Posted while the server was down');

    server = await startServer();
    for (const member of [ada, bob]) {
      await until(
        `${member.name} live again`,
        () => member.connection(),
        (s) => s === 'Live',
        20_000,
      );
    }
    await until(
      'bob caught up',
      () => bob.messages(),
      (m) => m.join() === expected.join(),
      20_000,
    );

    await bob.send('Welcome back');
    expected.push('bob: Welcome back');
    await ada.send('Still here');
    expected.push('ada: Still here');
    for (const member of [ada, bob]) {
      const shown = await until(
        `${member.name} sees all`,
        () => member.messages(),
        (m) => m.join() === expected.join(),
      );
      expect(shown).toEqual(expected);
      const seqs = await member.seqs();
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    // Each login survived the new signing key by a refresh, not by logging in again.
    expect(await ada.page.getByRole('button', { name: 'Log out' }).isVisible()).toBe(true);
    // The picture for the README: three columns, live, someone typing.
    await ada.typeSlowly('And the next');
    await until(
      'bob sees ada typing',
      () => bob.typing(),
      (t) => t === 'ada is typing…',
    );
    await bob.screenshot(path.join(SCREENSHOTS, 'desktop-after-restart.png'));
  });

  it('keeps the member logged in, in the same thread, across a reload', async () => {
    await bob.page.reload();
    await until(
      'live again',
      () => bob.connection(),
      (s) => s === 'Live',
    );
    await bob.page.locator('#discussion-heading', { hasText: 'The first program' }).waitFor();
    expect(
      await until(
        'messages',
        () => bob.messages(),
        (m) => m.length > 0,
      ),
    ).toEqual(expected);
  });

  it('ran under its strict CSP with no violation and no uncaught error', () => {
    expect([...ada.problems, ...bob.problems]).toEqual([]);
  });
});
