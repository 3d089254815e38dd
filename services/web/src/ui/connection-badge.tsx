import type { ConnectionStatus } from '../live/connection-status';
import { useStore } from '../live/store';

const TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Offline',
} as const;

/** The realtime link, announced politely when it changes. */
export function ConnectionBadge({ status }: { status: ConnectionStatus }) {
  useStore(status);
  const { state } = status;
  return (
    <p
      class={`status status-${state.kind}`}
      role="status"
      data-connections={status.connections}
      title={state.kind === 'stopped' ? state.reason : undefined}
    >
      <span class="dot" aria-hidden="true" />
      <span class="visually-hidden">Connection: </span>
      {TEXT[state.kind]}
    </p>
  );
}
