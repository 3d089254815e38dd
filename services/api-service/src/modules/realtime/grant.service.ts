import { AppError, parseChannel, type Grant, type GrantableChannel } from '@communities/contracts';
import type { TokenService } from '@communities/auth';
import type { CommunityAccess } from '../../access/community-access';
import type { Actor } from '../../auth/authenticator';
import type { ThreadService } from '../threads/thread.service';

/**
 * Issues WebSocket subscription grants: short-lived JWTs that let the gateway admit a join without
 * a database. A grant is issued only for a channel the member may read right now, by the same
 * rules as REST (a community or thread they cannot see answers 404). For a private community the
 * grant is membership-bound, so the gateways drop the subscription when the membership ends. Each
 * grant names what it rests on (the membership, or the community's public epoch), so that the
 * revocation ending it is exact.
 */
export class GrantService {
  constructor(
    private readonly access: CommunityAccess,
    private readonly threads: ThreadService,
    private readonly tokens: TokenService,
  ) {}

  async issue(actor: Actor, channels: GrantableChannel[]): Promise<Grant[]> {
    const unique = [...new Set(channels)];
    return Promise.all(unique.map((channel) => this.issueOne(actor, channel)));
  }

  private async issueOne(actor: Actor, channel: GrantableChannel): Promise<Grant> {
    const parsed = parseChannel(channel);
    if (parsed?.kind !== 'community' && parsed?.kind !== 'thread') {
      throw new Error(`not a grantable channel: ${channel}`); // unreachable: the body schema
    }
    const { community } =
      parsed.kind === 'community'
        ? await this.access.viewable(parsed.id, actor)
        : await this.threads.viewable(parsed.id, actor);
    const basis = await this.access.grantBasis(
      community.id,
      actor,
      parsed.kind === 'thread'
        ? () => new AppError('THREAD_NOT_FOUND', `thread ${parsed.id} not found`)
        : undefined,
    );
    const issued = await this.tokens.signGrant({
      memberId: actor.id,
      channel,
      communityId: community.id,
      basis,
    });
    return { channel, grant: issued.token, expires_at: issued.expiresAt.toISOString() };
  }
}
