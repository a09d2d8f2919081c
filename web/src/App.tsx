import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Provider } from 'urql';
import type { Role } from '../../src/client/generated/graphql.js';
import { ViewerRoleQuery } from '../../src/client/operations/session.js';
import { createConsoleClient, doc, type ConsoleClient } from './client.js';
import { Toasts } from './components/Toasts.js';
import { ROUTES, routeOf } from './lib/routes.js';
import { storedToken, storeToken } from './lib/session.js';
import { navigate, useLocation } from './navigation.js';
import { Budgets } from './screens/Budgets.js';
import { Dashboard } from './screens/Dashboard.js';
import { Jobs } from './screens/Jobs.js';
import { Upload } from './screens/Upload.js';
import { SessionContext, useSession, type Session } from './session.js';

const ViewerRole = doc(ViewerRoleQuery);

type Access = { state: 'checking' } | { state: 'ready'; role: Role } | { state: 'token'; message?: string } | { state: 'error'; message: string };

export function App() {
  // Made during the first render, so the screen's queries go out on the first commit. A new
  // token gets a new client (its headers and socket carry the token); the old one is closed.
  const [consoleClient, setConsoleClient] = useState<ConsoleClient>(() => createConsoleClient(storedToken()));
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  const changeToken = useCallback(
    (token: string | null) => {
      storeToken(token);
      consoleClient.dispose();
      setConsoleClient(createConsoleClient(token));
      setAccess({ state: 'checking' });
    },
    [consoleClient],
  );

  // One query tells whether auth is on (401 without a valid token) and what the token may do.
  useEffect(() => {
    let current = true;
    consoleClient.client
      .query(ViewerRole, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (!current) return;
        if (result.data) return setAccess({ state: 'ready', role: result.data.viewerRole });
        const unauthenticated =
          result.error?.response?.status === 401 || result.error?.graphQLErrors.some((error) => error.extensions?.code === 'UNAUTHENTICATED');
        if (unauthenticated) {
          if (consoleClient.token) storeToken(null);
          setAccess({ state: 'token', message: consoleClient.token ? 'That token was not accepted.' : undefined });
        } else {
          setAccess({ state: 'error', message: result.error?.message ?? 'The API did not answer.' });
        }
      });
    return () => {
      current = false;
    };
  }, [consoleClient]);

  const signOut = useCallback(() => changeToken(null), [changeToken]);

  if (access.state === 'error') return <p className="centered error" role="alert">{access.message}</p>;
  if (access.state === 'token') {
    return <TokenForm message={access.message} onToken={changeToken} />;
  }
  // While the role is being checked the screens already load (their queries run beside the
  // check, not after it); admin controls appear once the role is known.
  const role = access.state === 'ready' ? access.role : null;
  const session: Session = { token: consoleClient.token, role, isAdmin: role === 'ADMIN', signOut };
  return (
    <Provider value={consoleClient.client}>
      <SessionContext.Provider value={session}>
        <Shell />
      </SessionContext.Provider>
    </Provider>
  );
}

function TokenForm({ message, onToken }: { message?: string; onToken(token: string): void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return (
    <main className="token-page">
      <form className="card token-form" onSubmit={submit}>
        <h1>AI usage console</h1>
        <p>This API needs a token. It is kept for this browser tab only.</p>
        {message && (
          <p className="error" role="alert">
            {message}
          </p>
        )}
        <label htmlFor="token">Access token</label>
        <input id="token" type="password" autoComplete="off" autoFocus value={value} onChange={(event) => setValue(event.target.value)} />
        <button type="submit" className="primary">
          Continue
        </button>
      </form>
    </main>
  );
}

function Shell() {
  const { pathname } = useLocation();
  const route = routeOf(pathname);
  const session = useSession();
  useEffect(() => {
    const label = ROUTES.find((item) => item.path === route)?.label ?? '';
    document.title = `${label} · AI usage console`;
  }, [route]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">AI usage console</span>
        <nav aria-label="Screens">
          <ul>
            {ROUTES.filter((item) => !('adminOnly' in item && item.adminOnly) || session.isAdmin).map((item) => (
              <li key={item.path}>
                <a
                  href={item.path}
                  aria-current={item.path === route ? 'page' : undefined}
                  onClick={(event) => {
                    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                    event.preventDefault();
                    navigate(item.path);
                  }}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          <span className="role" data-testid="role">
            {session.role === null ? '…' : session.role === 'ADMIN' ? 'Admin' : 'Viewer'}
          </span>
          {session.token && (
            <button type="button" className="link" onClick={session.signOut}>
              Forget token
            </button>
          )}
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {route === '/dashboard' && <Dashboard />}
        {route === '/upload' && <Upload />}
        {route === '/jobs' && <Jobs />}
        {route === '/budgets' && <Budgets />}
      </main>
      <Toasts />
    </>
  );
}
