import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { listAppointments, type Appointment } from '../api/records';
import { onChange } from '../lib/live';
import { addDays, fullTime, localDate, personName, words } from '../lib/format';
import { ErrorView, Field, Loading, PageHeader, inputValue } from '../components/ui';

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
