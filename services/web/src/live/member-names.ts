import type { Api } from '../api/rest';
import { Store } from './store';

/** Usernames by member id, fetched once each, on first sight (messages carry only the id). */
export class MemberNames extends Store {
  private readonly names = new Map<string, string>();
  private readonly asked = new Set<string>();

  constructor(private readonly api: Api) {
    super();
  }

  remember(memberId: string, username: string): void {
    this.names.set(memberId, username);
  }

  /** The username, or undefined until it has arrived (this call asks for it). */
  name(memberId: string): string | undefined {
    const known = this.names.get(memberId);
    if (known === undefined && !this.asked.has(memberId)) {
      this.asked.add(memberId);
      this.api.member(memberId).then(
        (member) => {
          this.names.set(memberId, member.username);
          this.changed();
        },
        // Asked again on a later sight (e.g. after a reconnect) rather than never.
        () => this.asked.delete(memberId),
      );
    }
    return known;
  }
}
