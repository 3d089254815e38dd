import { type Redis } from 'ioredis';
import {
  type ChannelHistory,
  type ChannelPosition,
  type HistoryOptions,
  type Sequenced,
} from './event-bus';
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
 * KEYS: seq counter, epoch, history stream. ARGV: channel, event JSON (an object: ends in `}`),
 * a fresh epoch, maxEvents, ttlSeconds. Returns {seq, epoch}. A script runs alone on the server,
 * so numbering, appending and publishing are one step: live order is seq order, and history and
 * live carry the same bytes.
 */
const PUBLISH_DURABLE_LUA = `
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
  publishDurable(...keysThenArgv: string[]): Promise<[seq: number, epoch: string]>;
}

/** The Redis side of `EventPublisher.publish` for durable events, and of `EventHistory`. */
export class RedisHistory {
  private readonly redis: Redis & WithPublishDurable;
  private readonly maxEvents: string;
  private readonly ttlSeconds: string;

  constructor(redis: Redis, options: HistoryOptions) {
    redis.defineCommand('publishDurable', { numberOfKeys: 3, lua: PUBLISH_DURABLE_LUA });
    this.redis = redis as Redis & WithPublishDurable;
    this.maxEvents = String(options.maxEvents);
    this.ttlSeconds = String(options.ttlSeconds);
  }

  /** One round trip: numbers, appends and publishes `json` on `channel`. */
  async publish(channel: string, json: string): Promise<Sequenced> {
    const [seq, epoch] = await this.redis.publishDurable(
      ...redisHistoryKeys(channel),
      channel,
      json,
      newEpoch(),
      this.maxEvents,
      this.ttlSeconds,
    );
    return { seq, epoch };
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
