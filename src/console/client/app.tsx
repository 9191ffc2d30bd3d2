import { createContext, useContext, useEffect, useMemo, useState } from 'hono/jsx/dom';
import type { Child } from 'hono/jsx';
import { onSessionExpired } from './api/http';
import { loadSession, signIn, type Role, type Session } from './api/session';
import { listPractices, type Practice } from './api/practices';
import { listAssistants, updateAssistant, type Presence } from './api/people';
import { connectLive, disconnectLive, onLiveStatus, type LiveStatus } from './lib/live';
import { navigate, onLinkClick, usePath } from './lib/router';
import { allShortcuts, useShortcuts } from './lib/keys';
import { clearDrafts } from './lib/drafts';
import { setDisplayZone } from './lib/format';
import { Dialog, Field, Notice, inputValue } from './components/ui';
import { InboxPage } from './pages/inbox/inbox-page';
import { PatientsPage } from './pages/patients';
import { AppointmentsPage } from './pages/appointments';
import { RulesPage } from './pages/rules';
import { TemplatesPage } from './pages/templates';
import { SettingsPage } from './pages/settings';
import { FiguresPage } from './pages/figures';
import { AuditPage } from './pages/audit';
import { UsersPage } from './pages/users';
import { TokensPage } from './pages/tokens';

export interface AppState {
  session: Session;
  practices: Practice[];
  /** the practice picked in the header; '' = every practice (admins) */
  practiceId: string;
  setPracticeId: (id: string) => void;
  /** one practice for pages that edit one: the picked one, else the first */
  onePracticeId: string;
  role: Role;
  userId: string;
  practiceName: (id: string) => string;
}

export const AppContext = createContext<AppState | null>(null);
export const useApp = () => useContext(AppContext)!;

interface NavItem {
  name: string;
  path: string;
  roles: Role[];
}

/** The navigation names are stable (DESIGN.md); each is shown only to the roles that may use it. */
export const navigation: NavItem[] = [
  { name: 'Inbox', path: '/inbox', roles: ['admin', 'manager', 'assistant'] },
  { name: 'Patients', path: '/patients', roles: ['admin', 'manager', 'assistant'] },
  { name: 'Appointments', path: '/appointments', roles: ['admin', 'manager', 'assistant'] },
  { name: 'Rules', path: '/rules', roles: ['admin', 'manager'] },
  { name: 'Templates', path: '/templates', roles: ['admin', 'manager'] },
  { name: 'Settings', path: '/settings', roles: ['admin', 'manager'] },
  { name: 'Figures', path: '/figures', roles: ['admin', 'manager'] },
  { name: 'Audit', path: '/audit', roles: ['admin', 'manager'] },
  { name: 'Users', path: '/users', roles: ['admin'] },
  { name: 'Tokens', path: '/tokens', roles: ['admin'] },
];

const pickedKey = 'sb-practice';

export function App(props: { session: Session; practices: Practice[] }) {
  const [session, setSession] = useState(props.session);
  const [practiceId, setPracticeIdState] = useState(() => {
    const saved = localStorage.getItem(pickedKey) ?? '';
    const ok = saved === '' ? props.session.user.role === 'admin' || props.practices.length !== 1 : props.practices.some((p) => p.id === saved);
    return ok ? saved : (props.practices[0]?.id ?? '');
  });
  const [expired, setExpired] = useState(false);
  const [help, setHelp] = useState(false);
  const [menu, setMenu] = useState(false);
  const path = usePath();

  const setPracticeId = (id: string) => {
    localStorage.setItem(pickedKey, id);
    setPracticeIdState(id);
  };

  useEffect(() => onSessionExpired(() => setExpired(true)), []);
  useEffect(() => {
    connectLive();
    const off = onLiveStatus((s) => s === 'signed-out' && setExpired(true));
    return () => {
      off();
      disconnectLive();
    };
  }, []);
  useShortcuts('global', [{ key: '?', label: 'Show the keyboard shortcuts', run: () => setHelp(true) }]);
  useEffect(() => setMenu(false), [path]);

  const role = session.user.role;
  setDisplayZone((props.practices.find((p) => p.id === practiceId) ?? props.practices[0])?.timeZone);
  const state: AppState = useMemo(
    () => ({
      session,
      practices: props.practices,
      practiceId,
      setPracticeId,
      onePracticeId: practiceId || props.practices[0]?.id || '',
      role,
      userId: session.user.id ?? '',
      practiceName: (id: string) => props.practices.find((p) => p.id === id)?.name ?? 'another practice',
    }),
    [session, practiceId, props.practices],
  );
  const items = navigation.filter((n) => n.roles.includes(role));
  const current = items.find((n) => path === n.path || path.startsWith(`${n.path}/`)) ?? null;

  useEffect(() => {
    if (path === '/' || !current) navigate('/inbox', { replace: true });
  }, [path]);
  useEffect(() => {
    document.title = `${current?.name ?? 'Inbox'} · Switchboard`;
  }, [current?.name]);

  return (
    <AppContext.Provider value={state}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/inbox" onClick={onLinkClick}>
          Switchboard
        </a>
        <button type="button" class="menu-toggle" aria-expanded={menu ? 'true' : 'false'} aria-controls="nav" onClick={() => setMenu(!menu)}>
          Menu
        </button>
        <nav id="nav" class={menu ? 'open' : ''} aria-label="Main">
          <ul>
            {items.map((n) => (
              <li>
                <a id={`nav-${n.name.toLowerCase()}`} href={n.path} aria-current={current?.path === n.path ? 'page' : undefined} onClick={onLinkClick}>
                  {n.name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="top-tools">
          <PracticePicker />
          {role === 'assistant' ? <PresenceSwitch /> : null}
          <LiveBadge />
          <span id="me" class="me" title={session.user.email ?? ''}>
            {session.user.name ?? session.user.email} <span class="muted">({role})</span>
          </span>
          <button type="button" class="link" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
            ?
          </button>
          <form method="post" action="/logout" onSubmit={() => clearDrafts()}>
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
      <SignInAgain
        open={expired}
        email={session.user.email ?? ''}
        onSignedIn={(s) => {
          if (s.user.id !== session.user.id) {
            location.reload();
            return;
          }
          setSession(s);
          setExpired(false);
          disconnectLive();
          connectLive();
        }}
      />
    </AppContext.Provider>
  );
}

function Page(props: { path: string }) {
  const p = props.path;
  const seg = p.split('/').filter(Boolean);
  switch (seg[0]) {
    case 'inbox':
      return <InboxPage conversationId={seg[1] === 'c' ? (seg[2] ?? null) : null} />;
    case 'patients':
      return <PatientsPage patientId={seg[1] ?? null} />;
    case 'appointments':
      return <AppointmentsPage />;
    case 'rules':
      return <RulesPage />;
    case 'templates':
      return <TemplatesPage />;
    case 'settings':
      return <SettingsPage />;
    case 'figures':
      return <FiguresPage />;
    case 'audit':
      return <AuditPage />;
    case 'users':
      return <UsersPage />;
    case 'tokens':
      return <TokensPage />;
    default:
      return null;
  }
}

function PracticePicker() {
  const app = useApp();
  if (app.practices.length <= 1 && app.role !== 'admin') return <span class="practice-name">{app.practices[0]?.name}</span>;
  return (
    <select id="practice" aria-label="Practice" value={app.practiceId} onChange={(e: Event) => app.setPracticeId(inputValue(e))}>
      {app.practices.length > 1 ? <option value="">All practices</option> : null}
      {app.practices.map((p) => (
        <option value={p.id} selected={p.id === app.practiceId}>
          {p.name}
        </option>
      ))}
    </select>
  );
}

const presenceLabels: Record<Presence, string> = { available: 'Online', away: 'Busy', offline: 'Offline' };

/** An assistant's presence: online takes new work, busy keeps what they have, offline hands it back in time. */
function PresenceSwitch() {
  const app = useApp();
  const [presence, setPresence] = useState<Presence | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listAssistants()
      .then((r) => setPresence(r.data.find((a) => a.id === app.userId)?.presence ?? 'offline'))
      .catch(() => setPresence(null));
  }, []);
  if (!presence) return null;
  return (
    <span class="presence">
      <select
        id="presence"
        aria-label="Your presence"
        class={`presence-${presence}`}
        value={presence}
        onChange={async (e: Event) => {
          const next = inputValue(e) as Presence;
          const before = presence;
          setPresence(next);
          try {
            await updateAssistant(app.userId, { presence: next });
            setError(null);
          } catch (err) {
            setPresence(before);
            setError((err as Error).message);
          }
        }}
      >
        {(['available', 'away', 'offline'] as const).map((p) => (
          <option value={p} selected={p === presence}>
            {presenceLabels[p]}
          </option>
        ))}
      </select>
      {error ? (
        <span role="alert" class="error">
          {error}
        </span>
      ) : null}
    </span>
  );
}

function LiveBadge() {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  useEffect(() => onLiveStatus(setStatus), []);
  const text = status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : status === 'offline' ? 'Offline: retrying' : 'Signed out';
  return (
    <span id="live" class={`live live-${status}`} role="status" aria-live="polite" title="Live updates">
      {text}
    </span>
  );
}

function ShortcutsDialog(props: { open: boolean; onClose: () => void }) {
  const groups = props.open ? allShortcuts() : [];
  return (
    <Dialog id="shortcuts" open={props.open} title="Keyboard shortcuts" onClose={props.onClose}>
      <dl class="shortcuts">
        {groups.flatMap(([, list]) =>
          list.map((s) => (
            <div>
              <dt>
                <kbd>{s.key}</kbd>
              </dt>
              <dd>{s.label}</dd>
            </div>
          )),
        )}
        <div>
          <dt>
            <kbd>Tab</kbd>
          </dt>
          <dd>Move between controls; Escape closes a dialog</dd>
        </div>
      </dl>
      <div class="actions">
        <button type="button" class="primary" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** The session ended: sign in here, without leaving the page, so what was typed stays. */
function SignInAgain(props: { open: boolean; email: string; onSignedIn: (s: Session) => void }) {
  const [email, setEmail] = useState(props.email);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog id="sign-in-again" open={props.open} title="Your session has ended" onClose={() => {}}>
      <p>Sign in again to carry on. Anything you were writing is kept.</p>
      {error ? <Notice>{error}</Notice> : null}
      <form
        onSubmit={async (e: Event) => {
          e.preventDefault();
          setBusy(true);
          try {
            const s = await signIn(email, password);
            setPassword('');
            setError(null);
            props.onSignedIn(s);
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field label="Email">
          <input name="email" type="email" autocomplete="username" required value={email} onInput={(e: Event) => setEmail(inputValue(e))} />
        </Field>
        <Field label="Password">
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e: Event) => setPassword(inputValue(e))} />
        </Field>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Sign in
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export async function boot(root: HTMLElement, render: (node: Child, el: HTMLElement) => void) {
  const session = await loadSession();
  const practices = (await listPractices()).data;
  render(<App session={session} practices={practices} />, root);
}
