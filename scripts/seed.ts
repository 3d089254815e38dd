/**
 * Fills a running instance with demo data through the public REST API, so `/docs` and a
 * WebSocket client have something to show. Usage: `npm run seed -- [base-url]`
 * (default http://localhost:5001). Re-running adds another set (usernames get a suffix).
 */
import { randomBytes } from 'node:crypto';
import type { Community, Member, Message, Thread } from '@communities/contracts';

const base = (process.argv[2] ?? process.env.SEED_URL ?? 'http://localhost:5001').replace(
  /\/$/,
  '',
);
// Random, not time-based: usernames and emails are unique, and a re-run must never collide.
const suffix = randomBytes(3).toString('hex');

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}/api${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
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
] as const;

const CHAT = [
  'I turned it on last week and found two real bugs.',
  'Same here, but the tests needed a lot of `!`.',
  'Worth it. Index access is where the crashes were.',
];

async function main(): Promise<void> {
  const members: Member[] = [];
  for (const [username, full_name, bio] of PEOPLE) {
    members.push(
      await call<Member>('POST', '/members/', {
        username: `${username}_${suffix}`,
        email: `${username}.${suffix}@example.com`,
        full_name,
        bio,
      }),
    );
  }
  for (const [i, spec] of COMMUNITIES.entries()) {
    const owner = members[i % members.length]!;
    const community = await call<Community>('POST', '/communities/', {
      name: spec.name,
      description: spec.description,
      tags: spec.tags,
      created_by: owner.id,
    });
    console.log(`community ${community.id}  ${community.name}`);
    for (const member of members) {
      await call('POST', `/communities/${community.id}/join`, { member_id: member.id });
    }
    for (const [title, content] of spec.threads) {
      const thread = await call<Thread>('POST', `/threads/community/${community.id}`, {
        title,
        content,
        created_by: owner.id,
      });
      let previous: Message | undefined;
      for (const [j, text] of CHAT.entries()) {
        previous = await call<Message>('POST', `/messages/thread/${thread.id}`, {
          content: text,
          author: members[(j + 1) % members.length]!.id,
          reply_to: previous?.id ?? null,
        });
      }
      console.log(`  thread  ${thread.id}  ${title}`);
    }
  }
  console.log(`members: ${members.map((m) => `${m.username} (${m.id})`).join(', ')}`);
  // The gateway shares the api's port in the standalone (`npm start`) and behind the compose edge.
  const wsUrl = base.replace(/^http/, 'ws');
  console.log(`seeded ${base}: try  npm run example:listen -- <thread id> --url ${wsUrl}`);
}

main().catch((error: unknown) => {
  // fetch reports an unreachable server as "fetch failed"; the reason is in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const message = error instanceof Error ? error.message : String(error);
  console.error(`seed failed against ${base}: ${message}${cause ? ` (${cause.message})` : ''}`);
  process.exit(1);
});
