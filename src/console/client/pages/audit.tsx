import { useEffect, useState } from 'hono/jsx/dom';
import { listAudit, type AuditEvent } from '../api/records';
import { listUsers, type User } from '../api/people';
import { NotAvailableError } from '../api/http';
import { fullTime, words } from '../lib/format';
import { ErrorView, Field, Loading, NotAvailable, PageHeader, inputValue } from '../components/ui';

/** Who opened or changed what: filter by person, patient, action and time (records API). */
export function AuditPage() {
  const [filters, setFilters] = useState({ actor: '', patientId: '', action: '', from: '', to: '' });
  const [applied, setApplied] = useState(filters);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [people, setPeople] = useState<User[]>([]);
  const query = (f: typeof filters) => ({
    actor: f.actor || undefined,
    patientId: f.patientId || undefined,
    action: f.action || undefined,
    from: f.from ? new Date(`${f.from}T00:00:00`).toISOString() : undefined,
    to: f.to ? new Date(`${f.to}T23:59:59`).toISOString() : undefined,
  });
  useEffect(() => {
    setEvents(null);
    setError(null);
    listAudit(query(applied))
      .then((r) => {
        setEvents(r.data);
        setCursor(r.nextCursor);
      })
      .catch(setError);
  }, [applied]);
  useEffect(() => {
    listUsers()
      .then((r) => setPeople(r.data))
      .catch(() => {});
  }, []);
  const who = (e: AuditEvent) => {
    const id = e.actor?.userId ?? e.actorUserId ?? null;
    const p = people.find((u) => u.id === id);
    return e.actor?.name ?? p?.name ?? p?.email ?? e.actor?.email ?? (e.actor?.type ?? e.actorType) ?? '';
  };
  return (
    <div class="audit-page">
      <PageHeader title="Audit log" />
      <form
        class="inline-fields filters-form"
        onSubmit={(e: Event) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        <Field label="Person">
          <select value={filters.actor} onChange={(e: Event) => setFilters({ ...filters, actor: inputValue(e) })}>
            <option value="">Anyone</option>
            {people.map((p) => (
              <option value={p.id}>{p.name ?? p.email}</option>
            ))}
          </select>
        </Field>
        <Field label="Patient id">
          <input value={filters.patientId} onInput={(e: Event) => setFilters({ ...filters, patientId: inputValue(e).trim() })} />
        </Field>
        <Field label="Action">
          <input value={filters.action} placeholder="e.g. conversation.read" onInput={(e: Event) => setFilters({ ...filters, action: inputValue(e).trim() })} />
        </Field>
        <Field label="From">
          <input type="date" value={filters.from} onInput={(e: Event) => setFilters({ ...filters, from: inputValue(e) })} />
        </Field>
        <Field label="To">
          <input type="date" value={filters.to} onInput={(e: Event) => setFilters({ ...filters, to: inputValue(e) })} />
        </Field>
        <button type="submit" class="primary">
          Show
        </button>
      </form>
      {error instanceof NotAvailableError ? (
        <NotAvailable what="The audit viewer" detail="Every read and change of patient data is already recorded; this page lists it once the audit API is on this server." />
      ) : error ? (
        <ErrorView error={error} what="Audit" />
      ) : !events ? (
        <Loading />
      ) : (
        <div class="table-wrap">
          <table id="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Did</th>
                <th scope="col">What</th>
                <th scope="col">Patient</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr>
                  <td>{fullTime(e.at ?? e.createdAt ?? null)}</td>
                  <td>{who(e)}</td>
                  <td>{words(e.action.replace('.', ' '))}</td>
                  <td>
                    {e.subjectType} <span class="muted small">{e.subjectId ?? ''}</span>
                  </td>
                  <td class="small">{e.patientId ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {cursor ? (
            <button
              type="button"
              onClick={async () => {
                const r = await listAudit({ ...query(applied), cursor });
                setEvents([...(events ?? []), ...r.data]);
                setCursor(r.nextCursor);
              }}
            >
              Load more
            </button>
          ) : null}
        </div>
      )}
    </div>
  );
}
