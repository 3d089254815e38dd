import { RealtimeClient } from '@communities/client';
import { Api } from '../api/rest';
import type { Session } from '../api/session';
import { CommunityDirectory } from './community-directory';
import { ConnectionStatus } from './connection-status';
import { MemberNames } from './member-names';

/**
 * Everything a logged-in tab holds: one RealtimeClient (one socket) for the member, the REST api,
 * and the state shared by the columns.
 */
export class Workspace {
  readonly api: Api;
  readonly client: RealtimeClient;
  readonly status: ConnectionStatus;
  readonly names: MemberNames;
  readonly directory: CommunityDirectory;

  constructor(readonly session: Session) {
    this.api = new Api(session);
    const origin = window.location.origin;
    this.client = new RealtimeClient({
      wsUrl: origin.replace(/^http/, 'ws'),
      apiUrl: origin,
      memberId: session.memberId,
      // A refused token (4401, 401) is refreshed; a refresh token that is refused too ends the
      // session, and the app asks the member to log in again.
      getAccessToken: (request) => session.accessToken(request),
    });
    this.status = new ConnectionStatus(this.client);
    this.names = new MemberNames(this.api);
    this.names.remember(session.memberId, session.username);
    this.directory = new CommunityDirectory(this.api, session.memberId);

    this.client.on('event', (event) => {
      if (event.channel === 'global:notifications') this.directory.onEvent(event);
    });
    this.client.on('connected', ({ connection }) => {
      // Global notifications are not replayed: a reconnect refreshes the list instead.
      if (connection > 1) void this.directory.load();
    });
    this.client.on('closed', ({ error }) => {
      if (error?.code === 'UNAUTHENTICATED' || error?.code === 'FORBIDDEN') session.end('expired');
    });
  }

  start(): void {
    void this.directory.load();
    this.client.connect().catch(() => undefined); // failures surface through ConnectionStatus
  }

  stop(): void {
    this.client.close();
  }
}
