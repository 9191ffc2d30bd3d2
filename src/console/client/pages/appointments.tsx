import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { getImportRun, importAppointments, listAppointments, type Appointment, type ImportRun } from '../api/records';
import { describe } from '../api/http';
import { onChange } from '../lib/live';
import { addDays, fullTime, localDate, personName, words } from '../lib/format';
import { ErrorView, Field, Loading, Notice, PageHeader, inputValue } from '../components/ui';

/** Appointments of a period with their reminders and the patients' answers. */
export function AppointmentsPage() {
  const app = useApp();
  const today = localDate();
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(addDays(today, 7));
  const [status, setStatus] = useState('');
  const [items, setItems] = useState<Appointment[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const query = () => ({
    practiceId: app.practiceId || undefined,
    from: new Date(`${from}T00:00:00`).toISOString(),
    to: new Date(`${addDays(to, 1)}T00:00:00`).toISOString(),
    status: status || undefined,
  });
  const load = () =>
    listAppointments(query())
      .then((r) => {
        setItems(r.data);
        setCursor(r.nextCursor);
        setError(null);
      })
      .catch(setError);
  useEffect(() => {
    setItems(null);
    void load();
  }, [from, to, status, app.practiceId]);
  useEffect(() => onChange(() => void load()), [from, to, status, app.practiceId]);
  return (
    <div class="appointments-page">
      <PageHeader title="Appointments" />
      {app.role === 'admin' || app.role === 'manager' ? <ImportPanel onDone={() => void load()} /> : null}
      <form class="inline-fields" onSubmit={(e: Event) => e.preventDefault()}>
        <Field label="From">
          <input type="date" value={from} onChange={(e: Event) => setFrom(inputValue(e))} />
        </Field>
        <Field label="To">
          <input type="date" value={to} onChange={(e: Event) => setTo(inputValue(e))} />
        </Field>
        <Field label="Status">
          <select value={status} onChange={(e: Event) => setStatus(inputValue(e))}>
            <option value="">Any</option>
            {['booked', 'confirmed', 'cancelled', 'checked_in', 'no_show'].map((s) => (
              <option value={s}>{words(s)}</option>
            ))}
          </select>
        </Field>
      </form>
      {error ? (
        <ErrorView error={error} what="Appointments" />
      ) : !items ? (
        <Loading />
      ) : items.length === 0 ? (
        <p class="muted">No appointments in this period.</p>
      ) : (
        <div class="table-wrap">
          <table id="appointments-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Patient</th>
                <th scope="col">Visit</th>
                <th scope="col">Status</th>
                <th scope="col">Reminders</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr>
                  <td>{fullTime(a.startsAt)}</td>
                  <th scope="row">{personName(a.patient)}</th>
                  <td>
                    {a.type ?? ''}
                    {a.provider ? <span class="muted small block">{a.provider}</span> : null}
                  </td>
                  <td>
                    <span class={`status status-${a.status}`}>{words(a.status)}</span>
                  </td>
                  <td class="small">
                    {a.reminders.length
                      ? a.reminders.map((r) => (
                          <span class="block">
                            {r.channel === 'sms' ? 'text' : r.channel === 'voice' ? 'call' : 'email'}: {words(r.status)}
                            {r.skipReason ? ` (${words(r.skipReason)})` : ''}
                          </span>
                        ))
                      : 'none'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {cursor ? (
            <button
              type="button"
              onClick={async () => {
                const r = await listAppointments({ ...query(), cursor });
                setItems([...items, ...r.data]);
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

type ImportResult = ImportRun & { rows: { line?: number; outcome: string; reason?: string }[] };

/**
 * Import a CSV or a FHIR Bundle from the practice's system (managers and admins): the file goes
 * to POST /api/v1/appointments/import with an id made here, and the page polls that run's
 * progress until the answer comes; then the counts, and each row it could not take with why.
 */
function ImportPanel(props: { onDone: () => void }) {
  const app = useApp();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<ImportRun | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const practiceName = app.practiceName(app.onePracticeId);

  const start = async (e: Event) => {
    e.preventDefault();
    if (!file) {
      setError('Choose a CSV file or a FHIR Bundle (.json) first.');
      return;
    }
    const type = /\.csv$/i.test(file.name) || file.type === 'text/csv' ? 'text/csv' : 'application/fhir+json';
    const id = crypto.randomUUID();
    setBusy(true);
    setError(null);
    setResult(null);
    setProgress({ id, status: 'running', total: 0, done: 0, counts: null, problems: [] });
    let finished = false;
    const poll = async () => {
      while (!finished) {
        await new Promise((r) => setTimeout(r, 400));
        if (finished) return;
        const run = await getImportRun(id).catch(() => null);
        if (run && !finished) setProgress(run);
      }
    };
    void poll();
    try {
      const r = await importAppointments(app.onePracticeId, id, file, type);
      setResult(r);
      props.onDone();
    } catch (err) {
      setError(describe(err));
    } finally {
      finished = true;
      setProgress(null);
      setBusy(false);
    }
  };

  const rejected = result?.rows.filter((r) => r.outcome === 'rejected') ?? [];
  return (
    <details class="import-panel" id="import-panel">
      <summary>Import appointments</summary>
      <form onSubmit={start} class="inline-fields">
        <Field label={`File for ${practiceName}`} hint="A CSV (external_id, starts_at, first_name, last_name, phone...) or a FHIR R4 Bundle (.json)">
          <input id="import-file" type="file" accept=".csv,text/csv,.json,application/json,application/fhir+json" onChange={(e: Event) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      {progress ? (
        <p id="import-progress">
          <progress max={progress.total || 1} value={progress.done} aria-label="Import progress" />{' '}
          {progress.total ? `${progress.done} of ${progress.total} rows` : 'Reading the file…'}
        </p>
      ) : null}
      {error ? (
        <Notice kind="error" id="import-error">
          {error}
        </Notice>
      ) : null}
      {result ? (
        <div id="import-result">
          <Notice kind={result.status === 'done' ? 'ok' : 'error'}>
            {result.status === 'done' ? 'Imported' : 'The import failed'}
            {result.counts
              ? `: ${result.counts.created} created, ${result.counts.updated} updated, ${result.counts.unchanged} unchanged, ${result.counts.cancelled} cancelled, ${result.counts.rejected} rejected.`
              : '.'}
            {result.error ? ` ${result.error}` : ''}
          </Notice>
          {rejected.length ? (
            <ul class="small" id="import-rejected">
              {rejected.map((r) => (
                <li>
                  Line {r.line}: {r.reason ?? 'rejected'}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </details>
  );
}
