import { useState } from 'preact/hooks';
import { describeError } from '../api/http';
import { Session } from '../api/session';
import { field } from './format';

interface Props {
  notice: string | null;
  onSession: (session: Session) => void;
}

/** Log in, or sign up (which logs in at once). */
export function AuthScreen({ notice, onSession }: Props) {
  const [mode, setMode] = useState<'login' | 'signup'>('login');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      onSession(
        mode === 'login'
          ? await Session.logIn(field(form, 'login'), field(form, 'password'))
          : await Session.signUp({
              username: field(form, 'username'),
              email: field(form, 'email'),
              password: field(form, 'password'),
            }),
      );
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  };

  const signup = mode === 'signup';
  return (
    <main class="auth">
      <h1 class="brand">Communities</h1>
      <form class="card" aria-labelledby="auth-heading" onSubmit={(e) => void submit(e)}>
        <h2 id="auth-heading">{signup ? 'Create an account' : 'Log in'}</h2>
        {notice && <p class="notice">{notice}</p>}
        {signup ? (
          <>
            <label>
              Username
              <input
                name="username"
                autocomplete="username"
                required
                minLength={3}
                maxLength={32}
                pattern="[A-Za-z0-9_.\-]+"
                title="3 to 32 letters, digits, _ . or -"
              />
            </label>
            <label>
              Email
              <input name="email" type="email" autocomplete="email" required />
            </label>
            <label>
              Password
              <input
                name="password"
                type="password"
                autocomplete="new-password"
                required
                minLength={8}
                maxLength={128}
              />
            </label>
          </>
        ) : (
          <>
            <label>
              Username or email
              <input name="login" autocomplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
          </>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {signup ? 'Sign up' : 'Log in'}
        </button>
        <p class="switch">
          {signup ? 'Have an account?' : 'New here?'}{' '}
          <button
            type="button"
            class="link"
            onClick={() => {
              setMode(signup ? 'login' : 'signup');
              setError(null);
            }}
          >
            {signup ? 'Log in' : 'Create an account'}
          </button>
        </p>
      </form>
    </main>
  );
}
