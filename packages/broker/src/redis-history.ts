import { REVOCATION_TTL_SECONDS, type RevocationEntry } from '@communities/contracts';
import { type Redis } from 'ioredis';
import {
  type ChannelHistory,
  type ChannelPosition,
  type HistoryOptions,
  type Sequenced,
} from './event-bus';
import { REDIS_REVOCATION_PREFIX } from './revocation-register';
import { checkAfterSeq, newEpoch } from './sequencing';

/**
 * A channel's history is three keys: its seq counter (string), its epoch (string) and its events
 * (a stream whose ids are `0-<seq>`, one field `p` holding the payload). The channel in braces is
 * a Redis Cluster hash tag: the three keys land in one slot, which the script needs.
 */
export function redisHistoryKeys(channel: string): [seq: string, epoch: string, history: string] {
  return [`seq:{${channel}}`, `epoch:{${channel}}`, `history:{${channel}}`];
}

/**
 * KEYS: seq counter, epoch, history stream, then any revocation register keys. ARGV: channel,
 * event JSON (an object: ends in `}`), a fresh epoch, maxEvents, ttlSeconds, the register's
 * ttlSeconds, then one value per register key. Returns {seq, epoch}. A script runs alone on the
 * server, so recording revocations, numbering, appending and publishing are one step: live order
 * is seq order, history and live carry the same bytes, and a revocation is in the register
 * before any subscriber hears of it.
 */
const PUBLISH_DURABLE_LUA = `
for i = 4, #KEYS do
  local value = tonumber(ARGV[i + 3])
  local current = tonumber(redis.call('GET', KEYS[i]))
  if current ~= nil and current > value then value = current end
  redis.call('SET', KEYS[i], value, 'EX', ARGV[6])
end
local seq = redis.call('INCR', KEYS[1])
local epoch = redis.call('GET', KEYS[2])
if seq == 1 or not epoch then
  -- A new counter (first event, or lost with a restart or expiry) or a lost epoch: what is left
  -- is not continuous with this event, so start a new epoch at seq 1 on an empty history.
  if seq ~= 1 then
    seq = 1
    redis.call('SET', KEYS[1], 1)
  end
  epoch = ARGV[3]
  redis.call('SET', KEYS[2], epoch)
  redis.call('DEL', KEYS[3])
end
local payload = string.sub(ARGV[2], 1, -2) .. ',"seq":' .. seq .. ',"epoch":"' .. epoch .. '"}'
-- MAXLEN ~ trims whole stream nodes only: cheap, and keeps at least maxEvents.
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '0-' .. seq, 'p', payload)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('EXPIRE', KEYS[3], ARGV[5])
redis.call('PUBLISH', ARGV[1], payload)
return {seq, epoch}
`;

/** The command `defineCommand` adds; ioredis sends EVALSHA (EVAL once per new connection). */
interface WithPublishDurable {
  publishDurable(
    numberOfKeys: number,
    ...keysThenArgv: string[]
  ): Promise<[seq: number, epoch: string]>;
}

/** The Redis side of `EventPublisher.publish` for durable events, and of `EventHistory`. */
export class RedisHistory {
  private readonly redis: Redis & WithPublishDurable;
  private readonly maxEvents: string;
  private readonly ttlSeconds: string;

  constructor(redis: Redis, options: HistoryOptions) {
    // No fixed numberOfKeys: an access event adds its register keys.
    redis.defineCommand('publishDurable', { lua: PUBLISH_DURABLE_LUA });
    this.redis = redis as Redis & WithPublishDurable;
    this.maxEvents = String(options.maxEvents);
    this.ttlSeconds = String(options.ttlSeconds);
  }

  /** One round trip: records `revocations`, numbers, appends and publishes `json` on `channel`. */
  async publish(
    channel: string,
    json: string,
    revocations: readonly RevocationEntry[] = [],
  ): Promise<Sequenced> {
    const [seq, epoch] = await this.redis.publishDurable(
      3 + revocations.length,
      ...redisHistoryKeys(channel),
      ...revocations.map(({ key }) => REDIS_REVOCATION_PREFIX + key),
      channel,
      json,
      newEpoch(),
      this.maxEvents,
      this.ttlSeconds,
      String(REVOCATION_TTL_SECONDS),
      ...revocations.map(({ value }) => String(value)),
    );
    return { seq, epoch };
  }

  async readRevocations(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys.map((key) => REDIS_REVOCATION_PREFIX + key));
    return values.map((value) => (value === null ? undefined : Number(value)));
  }

  async position(channel: string): Promise<ChannelPosition> {
    const [seqKey, epochKey] = redisHistoryKeys(channel);
    const [seq, epoch] = await this.redis.mget(seqKey, epochKey);
    return current(seq ?? null, epoch ?? null);
  }

  /** MULTI: the position and the range are read at one instant, with no publish in between. */
  async history(channel: string, afterSeq: number): Promise<ChannelHistory> {
    checkAfterSeq(afterSeq);
    const [seqKey, epochKey, historyKey] = redisHistoryKeys(channel);
    const replies = await this.redis
      .multi()
      .mget(seqKey, epochKey)
      // Ids are 0-<seq>: an inclusive start at afterSeq + 1 is "seq > afterSeq".
      .xrange(historyKey, `0-${afterSeq + 1}`, '+')
      .exec();
    // exec() is null only for a WATCH that failed; there is none here.
    if (!replies) throw new Error(`history read of ${channel} was aborted`);
    for (const [error] of replies) if (error) throw error;
    const values = replies[0]?.[1] as (string | null)[];
    const entries = replies[1]?.[1] as [id: string, fields: string[]][];
    const { epoch, seq: latestSeq } = current(values[0] ?? null, values[1] ?? null);
    if (epoch === null) return { epoch, latestSeq, events: [], complete: true };
    const events = entries.map(([, fields]) => fields[1] ?? '');
    const oldest = entries.length > 0 ? Number(entries[0]![0].slice(2)) : latestSeq + 1;
    return { epoch, latestSeq, events, complete: afterSeq >= latestSeq || oldest === afterSeq + 1 };
  }
}

/** With either key gone the next publish starts a new epoch, so the channel has no position. */
function current(seq: string | null, epoch: string | null): ChannelPosition {
  if (seq === null || epoch === null) return { epoch: null, seq: 0 };
  return { epoch, seq: Number(seq) };
}
