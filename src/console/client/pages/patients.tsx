import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { exportUrl, getPatient, searchPatients, type PatientHit } from '../api/records';
import { describe, NotAvailableError } from '../api/http';
import { onLinkClick } from '../lib/router';
import { personName } from '../lib/format';
import { ErrorView, Field, Loading, NotAvailable, Notice, PageHeader, inputValue } from '../components/ui';

/** Find a patient by name, phone in any format, email or date of birth; read their record (records API). */
export function PatientsPage(props: { patientId: string | null }) {
  return props.patientId ? <PatientRecord id={props.patientId} /> : <PatientSearch />;
}

function PatientSearch() {
  const app = useApp();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<PatientHit[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (q.trim().length < 2) {
      setHits(null);
      return;
    }
    const t = setTimeout(() => {
      searchPatients(q.trim(), app.practiceId || undefined)
        .then((r) => {
          setHits(r.data);
          setError(null);
        })
        .catch(setError);
    }, 250);
    return () => clearTimeout(t);
  }, [q, app.practiceId]);
  return (
    <div class="patients-page">
      <PageHeader title="Patients" />
      <form role="search" onSubmit={(e: Event) => e.preventDefault()}>
        <Field label="Find a patient" hint="Name, phone number in any format, email, or date of birth">
          <input id="patient-search" type="search" value={q} onInput={(e: Event) => setQ(inputValue(e))} />
        </Field>
      </form>
      {error instanceof NotAvailableError ? (
        <NotAvailable what="Patient search" detail="Until then, the inbox search finds conversations by name, phone number or email." />
      ) : error ? (
        <Notice>{describe(error)}</Notice>
      ) : hits === null ? (
        <p class="muted">Type at least two characters.</p>
      ) : hits.length === 0 ? (
        <p class="muted">No patient matches.</p>
      ) : (
        <ul class="plain results">
          {hits.map((p) => (
            <li>
              <a href={`/patients/${p.id}`} onClick={onLinkClick}>
                {personName(p)}
              </a>{' '}
              <span class="muted small">
                {p.dateOfBirth ?? ''} {(p.contactPoints ?? []).map((c) => c.value).join(', ')}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function PatientRecord(props: { id: string }) {
  const [patient, setPatient] = useState<(PatientHit & Record<string, unknown>) | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    getPatient(props.id)
      .then(setPatient)
      .catch(setError);
  }, [props.id]);
  if (error instanceof NotAvailableError) return <NotAvailable what="The patient record" detail="The patient panel beside each conversation shows contact points, consent, appointments and other conversations." />;
  if (error) return <ErrorView error={error} what="This patient" />;
  if (!patient) return <Loading />;
  return (
    <div class="patients-page">
      <PageHeader title={personName(patient)}>
        <a class="button" href={exportUrl(patient.id)} download>
          Export everything held
        </a>
      </PageHeader>
      <dl class="facts">
        {Object.entries(patient)
          .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
          .map(([k, v]) => (
            <div>
              <dt>{k}</dt>
              <dd>{String(v)}</dd>
            </div>
          ))}
      </dl>
      {(patient.contactPoints ?? []).length ? (
        <ul class="plain">
          {(patient.contactPoints ?? []).map((c) => (
            <li>
              {c.kind}: {c.value}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
