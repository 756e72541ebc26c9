import { useEffect, useRef, useState } from 'preact/hooks';
import { setUnauthorizedHandler, tokenStore } from './api/client.js';
import { StreamStatus } from './components/stream-status.js';
import { liveStore } from './live/live-store.js';
import { href, useRoute, type Route } from './router.js';
import { ConfigPage } from './views/config-page.js';
import { ImportPage } from './views/import-page.js';
import { Overview } from './views/overview.js';
import { PoolPage } from './views/pool-page.js';
import { SignIn } from './views/sign-in.js';
import { SitePage } from './views/site-page.js';

export function App() {
  const [token, setToken] = useState(tokenStore.get());
  const [startError, setStartError] = useState<string | null>(null);
  const route = useRoute();

  const signOut = () => {
    tokenStore.clear();
    liveStore.stop();
    setToken(null);
  };

  // A new view moves the keyboard focus to it, as a page load would (not on the first view).
  const firstView = useRef(true);
  useEffect(() => {
    if (firstView.current) firstView.current = false;
    else document.getElementById('main')?.focus();
  }, [route]);

  useEffect(() => {
    if (!token) return;
    setUnauthorizedHandler(signOut);
    liveStore.start(signOut).catch((error: unknown) => setStartError(String(error)));
    return () => liveStore.stop();
  }, [token]);

  if (!token)
    return (
      <SignIn
        onSignedIn={(value) => {
          tokenStore.set(value);
          setToken(value);
        }}
      />
    );

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.overview()}>
          w3pool
        </a>
        <nav aria-label="Main">
          <NavLink to={href.overview()} current={route.view === 'overview'} label="Overview" />
          <NavLink to={href.config()} current={route.view === 'config'} label="Configuration" />
          <NavLink to={href.import()} current={route.view === 'import'} label="Import" />
        </nav>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <StreamStatus />
      {startError ? (
        <p class="error" role="alert">
          {startError}
        </p>
      ) : null}
      <main id="main" tabIndex={-1}>
        <View route={route} />
      </main>
    </>
  );
}

function NavLink({ to, current, label }: { to: string; current: boolean; label: string }) {
  return (
    <a href={to} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'overview':
      return <Overview />;
    case 'pool':
      return <PoolPage name={route.name} />;
    case 'site':
      return <SitePage id={route.id} />;
    case 'config':
      return <ConfigPage pool={route.pool} />;
    case 'import':
      return <ImportPage />;
  }
}
