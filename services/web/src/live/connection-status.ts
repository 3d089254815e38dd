import type { RealtimeClient, ResyncInfo } from '@communities/client';
import { Store } from './store';

export type LinkState =
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; code: number; retryAt: number }
  | { kind: 'stopped'; reason: string };

/** The realtime connection as the member should see it, from the client's events. */
export class ConnectionStatus extends Store {
  state: LinkState = { kind: 'connecting' };
  /** Connections that reached `connected`; above 1, the app missed events meanwhile. */
  connections = 0;
  /** The latest REST catch-up after a reconnect (events the gateway could not replay). */
  lastCatchUp: (ResyncInfo & { at: number }) | null = null;

  constructor(client: RealtimeClient) {
    super();
    client.on('connected', ({ connection }) => {
      this.connections = connection;
      this.set({ kind: 'live' });
    });
    client.on('disconnected', ({ code, reason, reconnectInMs }) => {
      if (reconnectInMs === null)
        this.set({ kind: 'stopped', reason: reason || `closed (${code})` });
      else this.set({ kind: 'reconnecting', code, retryAt: Date.now() + reconnectInMs });
    });
    client.on('closed', ({ error }) => {
      this.set({ kind: 'stopped', reason: error ? error.message : 'closed' });
    });
    client.on('resynced', (info) => {
      this.lastCatchUp = { ...info, at: Date.now() };
      this.changed();
    });
  }

  private set(state: LinkState): void {
    this.state = state;
    this.changed();
  }
}
