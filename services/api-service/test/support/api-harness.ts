import { parseSigningKeys, TokenService } from '@communities/auth';
import { backendUrl, uniqueDbName } from '@communities/test-support';
import type { Express } from 'express';
import pino, { type Logger } from 'pino';
import { createApp } from '../../src/app';
import { PasswordHasher } from '../../src/auth/password-hasher';
import type { RateLimiter } from '../../src/http/rate-limit';
import { RecordingPublisher } from '../../src/events/event-publisher';
import type { DocumentDb } from '../../src/store/document-db';
import { NedbDocumentDb } from '../../src/store/embedded/nedb-document-db';
import { MongoDocumentDb } from '../../src/store/mongo/mongo-document-db';
import { createRepositories, ensureIndexes, type Repositories } from '../../src/store/repositories';

export type StoreKind = 'embedded' | 'mongodb';

/** The engines a suite runs against in this run: always embedded, MongoDB when one is available. */
export function storeKinds(): StoreKind[] {
  return backendUrl('MONGO_URL') ? ['embedded', 'mongodb'] : ['embedded'];
}

export interface StoreHarness {
  db: DocumentDb;
  repos: Repositories;
  close(): Promise<void>;
}

/** A fresh, empty store of the given kind (a unique database on MongoDB, memory when embedded). */
export async function openStore(kind: StoreKind): Promise<StoreHarness> {
  if (kind === 'mongodb') {
    const db = await MongoDocumentDb.connect(
      backendUrl('MONGO_URL')!,
      uniqueDbName('communities_test'),
    );
    const repos = createRepositories(db);
    await ensureIndexes(repos);
    return {
      db,
      repos,
      close: async () => {
        await db.dropDatabase();
        await db.close();
      },
    };
  }
  const db = await NedbDocumentDb.open();
  const repos = createRepositories(db);
  await ensureIndexes(repos);
  return { db, repos, close: () => db.close() };
}

/** The suites' signing key ring: the gateway suites and token-tampering tests reuse it. */
export const TEST_SIGNING_KEYS = parseSigningKeys(
  'test-1:0123456789abcdef0123456789abcdef-test-key',
);

export function testTokenService(
  overrides: Partial<ConstructorParameters<typeof TokenService>[0]> = {},
): TokenService {
  return new TokenService({
    keys: TEST_SIGNING_KEYS,
    issuer: 'communities-api',
    accessTtlSeconds: 900,
    grantTtlSeconds: 60,
    ...overrides,
  });
}

export interface ApiHarness extends StoreHarness {
  app: Express;
  events: RecordingPublisher;
  tokens: TokenService;
}

export async function openApi(
  kind: StoreKind,
  options: {
    bodyLimitBytes?: number;
    limiter?: RateLimiter;
    tokens?: TokenService;
    corsOrigins?: string[];
    /** Another harness's store (a second replica): this harness's `close` leaves it open. */
    store?: StoreHarness;
    /** Default: silent. */
    logger?: Logger;
    /** scrypt log2(N); default 10, the lowest the service accepts: suites sign up hundreds of members. */
    passwordHashCost?: number;
  } = {},
): Promise<ApiHarness> {
  const store = options.store
    ? { ...options.store, close: () => Promise.resolve() }
    : await openStore(kind);
  const events = new RecordingPublisher();
  const tokens = options.tokens ?? testTokenService();
  const app = createApp({
    logger: options.logger ?? pino({ level: 'silent' }),
    repos: store.repos,
    events,
    auth: {
      tokens,
      hasher: new PasswordHasher(options.passwordHashCost ?? 10),
      refreshTtlSeconds: 3600,
    },
    limiter: options.limiter,
    corsOrigins: options.corsOrigins,
    ready: () => store.db.ping(),
    bodyLimitBytes: options.bodyLimitBytes,
  });
  return { ...store, app, events, tokens };
}
