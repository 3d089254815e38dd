import type { Browser, Locator, Page } from 'playwright-core';

/** Polls `read` until `done` holds for its value; the error says what was last seen. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * One member in a browser context of their own, driven as a person would: through labels, roles
 * and accessible names (a control the locators cannot find by name has no accessible name).
 */
export class MemberPage {
  /** Content-Security-Policy violations and uncaught errors seen on the page. */
  readonly problems: string[] = [];

  private constructor(
    readonly name: string,
    readonly page: Page,
  ) {
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) {
        this.problems.push(`${name}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => this.problems.push(`${name}: ${error.message}`));
  }

  static async open(browser: Browser, name: string, url: string): Promise<MemberPage> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(url);
    return new MemberPage(name, page);
  }

  async signUp(password: string): Promise<void> {
    const { page } = this;
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Username').fill(this.name);
    await page.getByLabel('Email').fill(`${this.name}@example.test`);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await until(
      'live after sign-up',
      () => this.connection(),
      (text) => text === 'Live',
    );
  }

  /** The connection badge's text (role=status in the top bar). */
  async connection(): Promise<string> {
    const text = await this.page.locator('.topbar [role=status]').innerText();
    return text.replace(/^Connection:\s*/, '').trim();
  }

  async createCommunity(name: string, description: string, { isPrivate = false } = {}) {
    const { page } = this;
    await page.getByText('New community').click();
    const form = page.locator('nav form');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Description').fill(description);
    if (isPrivate) await form.getByLabel(/Private/).check();
    await form.getByRole('button', { name: 'Create community' }).click();
    await this.heading('threads', name);
  }

  /** Invites a member to the open (private) community; resolves with the link to send them. */
  async invite(username: string): Promise<string> {
    const { page } = this;
    await page.getByText('Invite a member').click();
    const form = page.locator('.threads form', {
      has: page.getByRole('button', { name: 'Invite' }),
    });
    await form.getByLabel('Username').fill(username);
    await form.getByRole('button', { name: 'Invite' }).click();
    const notice = await form.getByRole('status').innerText();
    const link = /https?:\/\/\S+/.exec(notice)?.[0];
    if (!link) throw new Error(`no link in "${notice}"`);
    return link;
  }

  async createThread(title: string, content: string): Promise<void> {
    const { page } = this;
    await page.getByText('New thread').click();
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Opening post').fill(content);
    await page.getByRole('button', { name: 'Create thread' }).click();
    await this.heading('discussion', title);
  }

  async openCommunity(name: string): Promise<void> {
    const list = this.page.getByRole('navigation', { name: 'Communities' });
    await list.getByRole('link', { name: new RegExp(name) }).click();
    await this.heading('threads', name);
  }

  async join(community: string): Promise<void> {
    await this.page.getByRole('button', { name: `Join ${community}` }).click();
    await this.page.getByRole('button', { name: `Leave ${community}` }).waitFor();
  }

  async openThread(title: string): Promise<void> {
    await this.page.getByRole('link', { name: new RegExp(title) }).click();
    await this.heading('discussion', title);
  }

  /** Pins a thread of the open community (its owner) and waits until it shows as pinned. */
  async pin(title: string): Promise<void> {
    const button = this.page.getByRole('button', { name: `Pin ${title}` });
    await button.click();
    await this.page.locator('.thread-row', { hasText: `Pinned ${title}` }).waitFor();
  }

  /** The open community's thread titles as listed ("Pinned " before a pinned one's). */
  async threadTitles(): Promise<string[]> {
    const titles = await this.page.locator('.threads .item-title').allInnerTexts();
    return titles.map((title) => title.replace(/\s+/g, ' ').trim());
  }

  composer(): Locator {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }

  /** Types key by key (the app sends `typing`) without sending. */
  async typeSlowly(text: string): Promise<void> {
    await this.composer().pressSequentially(text, { delay: 20 });
  }

  async send(text: string): Promise<void> {
    await this.composer().fill(text);
    await this.composer().press('Enter');
  }

  /** The confirmed messages shown, in order: "author: content". */
  async messages(): Promise<string[]> {
    const log = this.page.getByRole('log', { name: 'Messages' });
    const authors = await log.locator('li[data-seq] .author').allInnerTexts();
    const contents = await log.locator('li[data-seq] .content').allInnerTexts();
    return contents.map((content, i) => `${authors[i]}: ${content}`);
  }

  /** Their seqs (data-seq), in the order shown. */
  async seqs(): Promise<number[]> {
    const log = this.page.getByRole('log', { name: 'Messages' });
    const items = await log.locator('li[data-seq]').all();
    return Promise.all(items.map(async (item) => Number(await item.getAttribute('data-seq'))));
  }

  async typing(): Promise<string> {
    return (await this.page.getByTestId('typing').innerText()).trim();
  }

  /** The shown message with this content, pinned by its seq (it stays found while edited). */
  async message(content: string): Promise<Locator> {
    const log = this.page.getByRole('log', { name: 'Messages' });
    const item = log.locator('li[data-seq]').filter({
      has: this.page.locator('.content', { hasText: content }),
    });
    const seq = await item.getAttribute('data-seq');
    return log.locator(`li[data-seq="${seq}"]`);
  }

  async screenshot(file: string): Promise<void> {
    await this.page.screenshot({ path: file });
  }

  private async heading(column: 'threads' | 'discussion', text: string): Promise<void> {
    await this.page.locator(`#${column}-heading`, { hasText: text }).waitFor();
  }
}
