import { render } from 'preact';
import { lazy, Suspense } from 'preact/compat';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, roleOfKey, session, type Role } from './api';
import { href, useRoute } from './router';
import { ErrorBox, Loading } from './ui';
import { Overview } from './pages/overview';
import './style.css';

// Pages past the first load on demand: the first page stays small (the editor alone is most of the weight).
const Rules = lazy(() => import('./pages/rules').then((m) => m.Rules));
const RulePage = lazy(() => import('./pages/rule').then((m) => m.RulePage));
const Participant = lazy(() => import('./pages/participant').then((m) => m.Participant));
const Cohorts = lazy(() => import('./pages/cohorts').then((m) => m.Cohorts));

function SignIn({ onSignedIn, error }: { onSignedIn: (role: Role) => void; error?: unknown }) {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<unknown>(error);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    session.set(key.trim());
    try {
      onSignedIn(await roleOfKey());
    } catch (err) {
      session.clear();
      setProblem(err instanceof ApiError && err.status === 401 ? new ApiError(401, 'This API key is not known to the service') : err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>Journey console</h1>
      <form onSubmit={(e) => void submit(e)} class="card">
        <p>Sign in with an API key. It is kept in this tab only (session storage) and sent as a bearer token.</p>
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorBox error={problem} />
      </form>
    </main>
  );
}

const NAV: [string, string][] = [
  ['', 'Overview'],
  ['rules', 'Rules'],
  ['participants', 'Participant'],
  ['cohorts', 'Cohorts'],
];

function App() {
  const [role, setRole] = useState<Role | null>(null);
  const [checking, setChecking] = useState(!!session.key());
  const [startError, setStartError] = useState<unknown>();
  const route = useRoute();
  useEffect(() => {
    if (!session.key()) return;
    roleOfKey()
      .then(setRole, (e: unknown) => {
        session.clear();
        setStartError(e);
      })
      .finally(() => setChecking(false));
  }, []);
  useEffect(() => {
    const page = NAV.find(([p]) => p === (route[0] ?? ''))?.[1] ?? 'Journey';
    document.title = `${page} · Journey console`;
  }, [route]);

  if (checking) return <Loading />;
  if (!role) return <SignIn onSignedIn={setRole} error={startError} />;
  const admin = role === 'admin';
  const [page = '', ...rest] = route;
  const signOut = () => {
    session.clear();
    setRole(null);
  };
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header>
        <span class="brand">Journey console</span>
        <nav aria-label="Pages">
          {NAV.map(([p, label]) => (
            <a key={p} href={href(p)} aria-current={page === p ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          Signed in as <strong data-testid="role">{role}</strong>
          {!admin && <span class="muted"> (read-only)</span>}
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          {page === '' && <Overview />}
          {page === 'rules' && rest.length === 0 && <Rules admin={admin} />}
          {page === 'rules' && rest.length > 0 && <RulePage id={rest[0] === '+new' ? null : rest[0]} admin={admin} />}
          {page === 'participants' && <Participant userId={rest[0]} admin={admin} />}
          {page === 'cohorts' && <Cohorts flag={rest[0]} />}
          {!NAV.some(([p]) => p === page) && <p>No such page.</p>}
        </Suspense>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
