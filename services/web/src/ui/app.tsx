import { useEffect, useState } from 'preact/hooks';
import { Session } from '../api/session';
import { AuthScreen } from './auth-screen';
import { WorkspaceView } from './workspace-view';

export function App() {
  const [session, setSession] = useState<Session | null>(() => Session.restore());
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(
    () =>
      session?.onEnd((end) => {
        setSession(null);
        setNotice(end === 'expired' ? 'Your session has ended. Please log in again.' : null);
      }),
    [session],
  );

  if (!session) {
    return (
      <AuthScreen
        notice={notice}
        onSession={(next) => {
          setNotice(null);
          setSession(next);
        }}
      />
    );
  }
  return <WorkspaceView key={session.memberId} session={session} />;
}
