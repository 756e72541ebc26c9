import { useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';

/**
 * The admin token, checked against the API before it is kept (sessionStorage: this tab only, gone when
 * it closes). The same token as curl and the CLI use (docs/admin-security.md says where to find it).
 */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/api/sites', { token: token.trim() });
      onSignedIn(token.trim());
    } catch (caught) {
      setError(
        caught instanceof ApiError
          ? caught.status === 401
            ? `The admin API refused this token (${caught.code}).`
            : `${caught.code}: ${caught.message}`
          : `WAS did not answer: ${String(caught)}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>w3pool</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby="sign-in-help">
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          value={token}
          aria-invalid={error ? 'true' : 'false'}
          aria-describedby={error ? 'sign-in-error' : undefined}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error ? (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        ) : null}
        <p id="sign-in-help" class="help">
          The value of <code>W3POOL_ADMIN_TOKEN</code>, which WAS printed on its first start. It is kept for
          this browser tab only.
        </p>
      </form>
    </main>
  );
}
