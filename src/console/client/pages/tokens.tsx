import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { createToken, listTokens, revokeToken, type Token } from '../api/people';
import { describe } from '../api/http';
import { fullTime } from '../lib/format';
import { ErrorView, Field, Loading, Notice, PageHeader, inputValue } from '../components/ui';

/** Admins: API tokens for programs (the portal, integrations, scripts); a token is shown once. */
export function TokensPage() {
  const app = useApp();
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Token['role']>('portal');
  const [practice, setPractice] = useState(app.practices[0]?.id ?? '');
  const [made, setMade] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = async () => {
    try {
      setTokens((await listTokens()).data);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => void load(), []);
  if (error) return <ErrorView error={error} what="Tokens" />;
  if (!tokens) return <Loading />;
  return (
    <div class="tokens-page">
      <PageHeader title="API tokens" />
      <p class="muted">Tokens for programs: a practice’s patient portal (role portal), integrations (manager, assistant) or admin scripts. A token is shown once, when it is made.</p>
      <form
        id="token-form"
        class="inline-fields"
        onSubmit={async (e: Event) => {
          e.preventDefault();
          setNotice(null);
          try {
            const t = await createToken({ name, role, practice: practice || undefined });
            setMade(t.token);
            setName('');
            await load();
          } catch (err) {
            setNotice(describe(err));
          }
        }}
      >
        <Field label="Name">
          <input id="token-name" required placeholder="e.g. Patient portal" value={name} onInput={(e: Event) => setName(inputValue(e))} />
        </Field>
        <Field label="Role">
          <select id="token-role" value={role} onChange={(e: Event) => setRole(inputValue(e) as Token['role'])}>
            {(['portal', 'manager', 'assistant', 'admin'] as const).map((r) => (
              <option value={r} selected={r === role}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Practice">
          <select id="token-practice" value={practice} onChange={(e: Event) => setPractice(inputValue(e))}>
            <option value="">Every practice (admin only)</option>
            {app.practices.map((p) => (
              <option value={p.id} selected={p.id === practice}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <button class="primary" type="submit">
          Make token
        </button>
      </form>
      {made ? (
        <Notice kind="ok" id="token-made">
          Copy it now; it is not shown again: <code id="token-value">{made}</code>
        </Notice>
      ) : null}
      {notice ? <Notice>{notice}</Notice> : null}
      <div class="table-wrap">
        <table id="tokens-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Practice</th>
              <th scope="col">Made</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="sr-only">State</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr>
                <th scope="row">{t.name}</th>
                <td>{t.role}</td>
                <td>{t.practiceId ? app.practiceName(t.practiceId) : 'every practice'}</td>
                <td>{fullTime(t.createdAt)}</td>
                <td>{fullTime(t.lastUsedAt) || 'never'}</td>
                <td>
                  {t.revokedAt ? (
                    `revoked ${fullTime(t.revokedAt)}`
                  ) : (
                    <button
                      type="button"
                      class="small-button danger"
                      aria-label={`Revoke ${t.name}`}
                      onClick={async () => {
                        if (!confirm(`Revoke "${t.name}"? Programs using it stop working at once.`)) return;
                        try {
                          await revokeToken(t.id);
                          await load();
                        } catch (err) {
                          setNotice(describe(err));
                        }
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
