import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { addUser, deactivateUser, listUsers, reactivateUser, resetPassword, updateUser, type User } from '../api/people';
import { listQueues, type Queue } from '../api/practices';
import type { Role } from '../api/session';
import { describe } from '../api/http';
import { capital, fullTime } from '../lib/format';
import { Dialog, ErrorView, Field, Loading, Notice, PageHeader, inputChecked, inputValue } from '../components/ui';

/** Admins: people who sign in, their role and grants; add, change, reset a password, deactivate. */
export function UsersPage() {
  const app = useApp();
  const [users, setUsers] = useState<User[] | null>(null);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [secret, setSecret] = useState<{ email: string; password: string } | null>(null);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const load = async () => {
    try {
      setUsers((await listUsers()).data);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    void load();
    listQueues()
      .then((r) => setQueues(r.data))
      .catch(() => {});
  }, []);

  if (error) return <ErrorView error={error} what="Users" />;
  if (!users) return <Loading />;
  const practiceNames = (ids: string[]) => ids.map(app.practiceName).join(', ');
  const act = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
      await load();
      setNotice({ kind: 'ok', text: what });
    } catch (err) {
      setNotice({ kind: 'error', text: describe(err) });
    }
  };

  return (
    <div class="users-page">
      <PageHeader title="Users">
        <button type="button" class="primary" id="add-user" onClick={() => setEditing('new')}>
          Add a person
        </button>
      </PageHeader>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <div class="table-wrap">
        <table id="users-table">
          <caption class="sr-only">People who can sign in</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Practices</th>
              <th scope="col">Queues</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr class={u.active ? '' : 'inactive'}>
                <th scope="row">
                  {u.name ?? u.email}
                  <span class="muted small block">{u.email}</span>
                </th>
                <td>{u.role}</td>
                <td>{u.role === 'admin' ? 'every practice' : practiceNames(u.practiceIds)}</td>
                <td>{u.role === 'assistant' ? queues.filter((q) => u.queueIds.includes(q.id)).map((q) => q.name).join(', ') || 'none' : '—'}</td>
                <td>{u.active ? `active since ${fullTime(u.createdAt)}` : 'deactivated'}</td>
                <td class="row-actions">
                  <button type="button" class="small-button" onClick={() => setEditing(u)} aria-label={`Change ${u.name ?? u.email}`}>
                    Change
                  </button>
                  <button
                    type="button"
                    class="small-button"
                    aria-label={`Reset password for ${u.name ?? u.email}`}
                    onClick={() =>
                      void act('Password reset; their sessions ended.', async () => {
                        const r = await resetPassword(u.id);
                        if (r.password) setSecret({ email: u.email, password: r.password });
                      })
                    }
                  >
                    Reset password
                  </button>
                  {u.id === app.userId ? null : u.active ? (
                    <button
                      type="button"
                      class="small-button danger"
                      aria-label={`Deactivate ${u.name ?? u.email}`}
                      onClick={() => {
                        if (confirm(`Deactivate ${u.name ?? u.email}? They are signed out at once.`)) void act('Deactivated.', () => deactivateUser(u.id));
                      }}
                    >
                      Deactivate
                    </button>
                  ) : (
                    <button type="button" class="small-button" onClick={() => void act('Reactivated.', () => reactivateUser(u.id))} aria-label={`Reactivate ${u.name ?? u.email}`}>
                      Reactivate
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <UserDialog
        user={editing}
        queues={queues}
        onClose={() => setEditing(null)}
        onSaved={async (text, made) => {
          setEditing(null);
          if (made) setSecret(made);
          await load();
          setNotice({ kind: 'ok', text });
        }}
      />
      <Dialog id="password-dialog" open={secret !== null} title="New password" onClose={() => setSecret(null)}>
        <p>
          Give this password to {secret?.email} in person or by phone. It is not shown again.
        </p>
        <p>
          <code id="new-password" class="secret">
            {secret?.password}
          </code>
        </p>
        <div class="actions">
          <button type="button" class="primary" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      </Dialog>
    </div>
  );
}

function UserDialog(props: { user: User | 'new' | null; queues: Queue[]; onClose: () => void; onSaved: (text: string, made?: { email: string; password: string }) => void }) {
  const app = useApp();
  const isNew = props.user === 'new';
  const existing = props.user && props.user !== 'new' ? props.user : null;
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('assistant');
  const [practices, setPractices] = useState<string[]>([]);
  const [queueIds, setQueueIds] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setEmail(existing?.email ?? '');
    setName(existing?.name ?? '');
    setRole(existing?.role ?? 'assistant');
    setPractices(existing?.practiceIds ?? (app.practices.length === 1 ? [app.practices[0]!.id] : []));
    setQueueIds(existing?.queueIds ?? []);
    setError(null);
  }, [props.user]);
  const queuesHere = props.queues.filter((q) => practices.includes(q.practiceId));
  return (
    <Dialog id="user-dialog" open={props.user !== null} title={isNew ? 'Add a person' : `Change ${existing?.name ?? existing?.email ?? ''}`} onClose={props.onClose} wide>
      <form
        onSubmit={async (e: Event) => {
          e.preventDefault();
          try {
            if (isNew) {
              const r = await addUser({ email, name: name || undefined, role, practices: role === 'admin' ? [] : practices, queues: role === 'assistant' ? props.queues.filter((q) => queueIds.includes(q.id)).map((q) => q.key) : undefined });
              props.onSaved(`${email} added.`, r.password ? { email, password: r.password } : undefined);
            } else {
              await updateUser(existing!.id, { name: name || null, role, practices: role === 'admin' ? [] : practices, queueIds: role === 'assistant' ? queueIds.filter((q) => queuesHere.some((x) => x.id === q)) : [] });
              props.onSaved('Saved.');
            }
          } catch (err) {
            setError(describe(err));
          }
        }}
      >
        {isNew ? (
          <Field label="Email">
            <input id="user-email" type="email" required value={email} onInput={(e: Event) => setEmail(inputValue(e))} />
          </Field>
        ) : null}
        <Field label="Name">
          <input id="user-name" value={name} onInput={(e: Event) => setName(inputValue(e))} />
        </Field>
        <Field label="Role">
          <select id="user-role" value={role} disabled={existing?.id === app.userId} onChange={(e: Event) => setRole(inputValue(e) as Role)}>
            {(['assistant', 'manager', 'admin'] as const).map((r) => (
              <option value={r} selected={r === role}>
                {capital(r)}
              </option>
            ))}
          </select>
        </Field>
        {role !== 'admin' ? (
          <fieldset>
            <legend>Practices</legend>
            {app.practices.map((p) => (
              <label class="check">
                <input type="checkbox" checked={practices.includes(p.id)} onChange={(e: Event) => setPractices(inputChecked(e) ? [...practices, p.id] : practices.filter((x) => x !== p.id))} /> {p.name}
              </label>
            ))}
          </fieldset>
        ) : (
          <p class="muted small">Admins see every practice.</p>
        )}
        {role === 'assistant' ? (
          <fieldset>
            <legend>Queues</legend>
            {queuesHere.length === 0 ? <p class="muted small">Pick a practice first.</p> : null}
            {queuesHere.map((q) => (
              <label class="check">
                <input type="checkbox" checked={queueIds.includes(q.id)} onChange={(e: Event) => setQueueIds(inputChecked(e) ? [...queueIds, q.id] : queueIds.filter((x) => x !== q.id))} /> {q.name}
                {app.practices.length > 1 ? <span class="muted small"> ({app.practiceName(q.practiceId)})</span> : null}
              </label>
            ))}
          </fieldset>
        ) : null}
        {isNew ? <p class="muted small">A password is made for them and shown once.</p> : null}
        {error ? <Notice>{error}</Notice> : null}
        <div class="actions">
          <button type="submit" class="primary">
            {isNew ? 'Add' : 'Save'}
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
