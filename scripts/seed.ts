/**
 * Fills a running instance with demo data through the public REST API, so `/docs` and a
 * WebSocket client have something to show. Usage: `npm run seed -- [base-url]`
 * (default http://localhost:5001). Re-running adds another set (usernames get a suffix).
 * Every demo member signs up with DEMO_PASSWORD and acts with their own access token, as a
 * real client would; one community is private, with an invitation.
 */
import { randomBytes } from 'node:crypto';
import type { Community, Member, Message, Thread, TokenPair } from '@communities/contracts';

const base = (process.argv[2] ?? process.env.SEED_URL ?? 'http://localhost:5001').replace(
  /\/$/,
  '',
);
// Random, not time-based: usernames and emails are unique, and a re-run must never collide.
const suffix = randomBytes(3).toString('hex');

/** The password of every demo member (it is a demo: printed at the end). */
const DEMO_PASSWORD = process.env.SEED_PASSWORD ?? 'demo-password-123';

async function call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/api${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const PEOPLE = [
  ['ada', 'Ada Lovelace', 'Analytical engines and poetry.'],
  ['grace', 'Grace Hopper', 'It is easier to ask forgiveness than permission.'],
  ['linus', 'Linus Torvalds', 'Talk is cheap.'],
  ['margaret', 'Margaret Hamilton', 'Software engineering, before it had a name.'],
] as const;

const COMMUNITIES = [
  {
    name: 'TypeScript',
    description: 'Types, tooling and the occasional flame war.',
    tags: ['typescript', 'javascript'],
    threads: [
      ['Strict mode everywhere?', 'Is `noUncheckedIndexedAccess` worth the noise?'],
      ['zod 4 is out', 'What changed for you?'],
    ],
  },
  {
    name: 'Distributed systems',
    description: 'Consensus, queues, and why the network is not reliable.',
    tags: ['systems'],
    threads: [['Redis pub/sub vs streams', 'When is fire-and-forget good enough?']],
  },
  {
    name: 'Maintainers (private)',
    description: 'Only members see this one; joining needs an invitation.',
    tags: ['private'],
    is_public: false,
    threads: [['Release checklist', 'What is left before 1.0?']],
  },
] as const;

const CHAT = [
  'I turned it on last week and found two real bugs.',
  'Same here, but the tests needed a lot of `!`.',
  'Worth it. Index access is where the crashes were.',
];

interface DemoMember {
  member: Member;
  token: string;
}

/** Signs up, then logs in: the access token is what every later call acts with. */
async function signUp(username: string, full_name: string, bio: string): Promise<DemoMember> {
  const member = await call<Member>('POST', '/members/', {
    username,
    email: `${username}@example.com`,
    password: DEMO_PASSWORD,
    full_name,
    bio,
  });
  const tokens = await call<TokenPair>('POST', '/auth/login', {
    login: username,
    password: DEMO_PASSWORD,
  });
  return { member, token: tokens.access_token };
}

async function main(): Promise<void> {
  const members: DemoMember[] = [];
  for (const [username, full_name, bio] of PEOPLE) {
    members.push(await signUp(`${username}_${suffix}`, full_name, bio));
  }
  let firstThread: Thread | undefined;
  for (const [i, spec] of COMMUNITIES.entries()) {
    const owner = members[i % members.length]!;
    const isPublic = !('is_public' in spec) || spec.is_public;
    const community = await call<Community>(
      'POST',
      '/communities/',
      { name: spec.name, description: spec.description, tags: spec.tags, is_public: isPublic },
      owner.token,
    );
    console.log(`community ${community.id}  ${community.name}`);
    // A private community: the owner invites everyone but the last person, who stays outside.
    const joining = isPublic ? members : members.slice(0, -1);
    for (const { member, token } of joining) {
      if (member.id === owner.member.id) continue;
      if (!isPublic) {
        await call(
          'POST',
          `/communities/${community.id}/invitations`,
          { member_id: member.id },
          owner.token,
        );
      }
      await call('POST', `/communities/${community.id}/join`, undefined, token);
    }
    for (const [title, content] of spec.threads) {
      const thread = await call<Thread>(
        'POST',
        `/threads/community/${community.id}`,
        { title, content },
        owner.token,
      );
      firstThread ??= thread;
      let previous: Message | undefined;
      for (const [j, text] of CHAT.entries()) {
        const author = joining[(j + 1) % joining.length]!;
        previous = await call<Message>(
          'POST',
          `/messages/thread/${thread.id}`,
          { content: text, reply_to: previous?.id ?? null },
          author.token,
        );
      }
      console.log(`  thread  ${thread.id}  ${title}`);
    }
  }
  console.log(
    `members (password "${DEMO_PASSWORD}"): ${members.map((m) => m.member.username).join(', ')}`,
  );
  // The gateway shares the api's port in the standalone (`npm start`) and behind the compose edge,
  // and the listener derives the REST URL from `--url`. It reads the password from the
  // environment only (never an argument, which the process list would show).
  const wsUrl = base.replace(/^http/, 'ws');
  console.log(
    `seeded ${base}: try  COMMUNITIES_PASSWORD=${DEMO_PASSWORD} npm run example:listen -- ` +
      `${firstThread?.id ?? '<thread id>'} --url ${wsUrl} --login ${members[0]!.member.username}`,
  );
}

main().catch((error: unknown) => {
  // fetch reports an unreachable server as "fetch failed"; the reason is in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`seed failed against ${base}: ${message}${cause ? ` (${cause.message})` : ''}`);
  process.exit(1);
});
