import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { addContactPoint, exportUrl, getPatient, searchPatients, setContactConsent, updatePatient, type ConsentPurpose, type ConsentState, type PatientChange, type PatientHit, type PatientRecord } from '../api/records';
import { describe, NotAvailableError } from '../api/http';
import { onLinkClick } from '../lib/router';
import { channelName, fullTime, personName, words } from '../lib/format';
import { ErrorView, Field, Loading, NotAvailable, Notice, PageHeader, inputValue } from '../components/ui';

/** Find a patient by name, phone in any format, email or date of birth; read their record (records API). */
export function PatientsPage(props: { patientId: string | null }) {
  return props.patientId ? <PatientRecordView id={props.patientId} /> : <PatientSearch />;
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

const consentWords: Record<ConsentState, string> = { granted: 'agreed', unknown: 'not asked', revoked: 'opted out' };
const purposeWords: Record<ConsentPurpose, string> = { sms: 'Texts', email: 'Email', voice: 'Calls' };
const purposesOf = (kind: string): ConsentPurpose[] => (kind === 'phone' ? ['sms', 'voice'] : kind === 'email' ? ['email'] : []);

/** The record: what is held, editable; each contact with its consent per channel; conversations and appointments. */
function PatientRecordView(props: { id: string }) {
  const [patient, setPatient] = useState<PatientRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => {
    setPatient(null);
    setEditing(false);
    setNotice(null);
    getPatient(props.id)
      .then(setPatient)
      .catch(setError);
  }, [props.id]);
  if (error instanceof NotAvailableError) return <NotAvailable what="The patient record" detail="The patient panel beside each conversation shows contact points, consent, appointments and other conversations." />;
  if (error) return <ErrorView error={error} what="This patient" />;
  if (!patient) return <Loading />;
  const saved = (p: PatientRecord, text: string) => {
    setPatient(p);
    setNotice({ kind: 'ok', text });
  };
  return (
    <div class="patients-page" id="patient-record">
      <PageHeader title={personName(patient)}>
        {editing ? null : (
          <button type="button" id="edit-patient" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        <a class="button" href={exportUrl(patient.id)} download>
          Export everything held
        </a>
      </PageHeader>
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      {editing ? (
        <PatientForm
          patient={patient}
          onCancel={() => setEditing(false)}
          onSaved={(p) => {
            setEditing(false);
            saved(p, 'Saved.');
          }}
        />
      ) : (
        <dl class="facts" id="patient-facts">
          <div>
            <dt>Date of birth</dt>
            <dd>{patient.dateOfBirth ?? 'not known'}</dd>
          </div>
          <div>
            <dt>Language</dt>
            <dd>{patient.language === 'es' ? 'Spanish' : 'English'}</dd>
          </div>
          <div>
            <dt>Preferred channel</dt>
            <dd>{patient.preferredChannel ? purposeWords[patient.preferredChannel] : 'none'}</dd>
          </div>
          <div>
            <dt>Time zone</dt>
            <dd>{patient.timeZone ?? 'the practice’s'}</dd>
          </div>
          {patient.tags.length ? (
            <div>
              <dt>Tags</dt>
              <dd>{patient.tags.join(', ')}</dd>
            </div>
          ) : null}
          {patient.portalId ? (
            <div>
              <dt>Portal</dt>
              <dd>{patient.portalId}</dd>
            </div>
          ) : null}
        </dl>
      )}
      <section aria-labelledby="contacts-title">
        <h2 id="contacts-title">Contacts and consent</h2>
        <div class="table-wrap">
        <table id="patient-contacts">
          <thead>
            <tr>
              <th scope="col">Contact</th>
              <th scope="col">Consent</th>
            </tr>
          </thead>
          <tbody>
            {patient.contactPoints.map((cp) => (
              <tr>
                <td>
                  {cp.kind === 'portal' ? `Portal ${cp.value}` : cp.value}
                  {cp.undeliverable ? <span class="consent-revoked"> (bounced)</span> : null}
                </td>
                <td>
                  {purposesOf(cp.kind).map((purpose) => (
                    <ContactConsent patientId={patient.id} contactPointId={cp.id} purpose={purpose} state={cp.consent[purpose]} onSaved={saved} />
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
        <AddContact patientId={patient.id} onSaved={saved} />
      </section>
      <section aria-labelledby="conversations-title">
        <h2 id="conversations-title">Conversations</h2>
        {patient.conversations.length ? (
          <ul class="plain" id="patient-conversations">
            {patient.conversations.map((c) => (
              <li>
                <a href={`/inbox/c/${c.id}`} onClick={onLinkClick}>
                  {channelName[c.channel] ?? c.channel}, {fullTime(c.lastMessageAt)}
                </a>{' '}
                <span class="muted small">
                  {c.status === 'pending' ? 'waiting on patient' : c.status}
                  {c.intent ? `, ${words(c.intent)}` : ''}
                  {c.urgency && c.urgency !== 'routine' ? `, ${c.urgency}` : ''}
                  {c.subject ? `: ${c.subject}` : ''}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">None.</p>
        )}
      </section>
      <section aria-labelledby="appointments-title">
        <h2 id="appointments-title">Appointments</h2>
        {patient.appointments.length ? (
          <ul class="plain" id="patient-appointments">
            {patient.appointments.map((a) => (
              <li>
                {fullTime(a.startsAt)}
                {a.type ? `, ${a.type}` : ''}
                {a.provider ? ` with ${a.provider}` : ''} <span class="muted small">({words(a.status)})</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">None.</p>
        )}
      </section>
      {patient.refills.length ? (
        <section aria-labelledby="refills-title">
          <h2 id="refills-title">Refills</h2>
          <ul class="plain">
            {patient.refills.map((r) => (
              <li>
                {[r.medication, r.strength].filter(Boolean).join(' ') || 'Medication not named'}
                {r.pharmacy ? `, ${r.pharmacy}` : ''} <span class="muted small">({words(r.status)}, {fullTime(r.createdAt)})</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

function PatientForm(props: { patient: PatientRecord; onCancel: () => void; onSaved: (p: PatientRecord) => void }) {
  const p = props.patient;
  const [form, setForm] = useState({
    firstName: p.firstName ?? '',
    lastName: p.lastName ?? '',
    dateOfBirth: p.dateOfBirth ?? '',
    language: p.language,
    preferredChannel: p.preferredChannel ?? '',
    timeZone: p.timeZone ?? '',
    tags: p.tags.join(', '),
  });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: inputValue(e) });
  return (
    <form
      id="patient-form"
      class="settings-form"
      onSubmit={async (e: Event) => {
        e.preventDefault();
        const change: PatientChange = {};
        const text = (v: string) => (v.trim() ? v.trim() : null);
        if (text(form.firstName) !== p.firstName) change.firstName = text(form.firstName);
        if (text(form.lastName) !== p.lastName) change.lastName = text(form.lastName);
        if (text(form.dateOfBirth) !== p.dateOfBirth) change.dateOfBirth = text(form.dateOfBirth);
        if (form.language !== p.language) change.language = form.language;
        if ((form.preferredChannel || null) !== p.preferredChannel) change.preferredChannel = (form.preferredChannel || null) as ConsentPurpose | null;
        if (text(form.timeZone) !== p.timeZone) change.timeZone = text(form.timeZone);
        const tags = form.tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        if (tags.join(',') !== p.tags.join(',')) change.tags = tags;
        if (Object.keys(change).length === 0) return props.onCancel();
        try {
          props.onSaved(await updatePatient(p.id, change));
        } catch (err) {
          setError(describe(err));
        }
      }}
    >
      <Field label="First name">
        <input id="patient-first-name" value={form.firstName} onInput={set('firstName')} />
      </Field>
      <Field label="Last name">
        <input id="patient-last-name" value={form.lastName} onInput={set('lastName')} />
      </Field>
      <Field label="Date of birth">
        <input id="patient-dob" type="date" value={form.dateOfBirth} onInput={set('dateOfBirth')} />
      </Field>
      <Field label="Language">
        <select id="patient-language" value={form.language} onChange={set('language')}>
          <option value="en" selected={form.language === 'en'}>
            English
          </option>
          <option value="es" selected={form.language === 'es'}>
            Spanish
          </option>
        </select>
      </Field>
      <Field label="Preferred channel">
        <select id="patient-channel" value={form.preferredChannel} onChange={set('preferredChannel')}>
          <option value="">None</option>
          {(['sms', 'email', 'voice'] as const).map((c) => (
            <option value={c} selected={form.preferredChannel === c}>
              {purposeWords[c]}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Time zone" hint="Empty: the practice’s (e.g. America/Chicago)">
        <input id="patient-time-zone" value={form.timeZone} onInput={set('timeZone')} />
      </Field>
      <Field label="Tags" hint="Separated by commas">
        <input id="patient-tags" value={form.tags} onInput={set('tags')} />
      </Field>
      {error ? <Notice>{error}</Notice> : null}
      <div class="actions">
        <button type="submit" class="primary">
          Save
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** One contact's consent for one channel: its state, and a change recorded in the ledger (granting says how). */
function ContactConsent(props: { patientId: string; contactPointId: string; purpose: ConsentPurpose; state: ConsentState; onSaved: (p: PatientRecord, text: string) => void }) {
  const [open, setOpen] = useState(false);
  const [detail, setDetail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const next = props.state === 'revoked' ? 'granted' : 'revoked';
  const label = `${purposeWords[props.purpose]}: ${consentWords[props.state]}`;
  return (
    <div class="contact-consent" data-purpose={props.purpose}>
      <span class={`consent consent-${props.state}`}>{label}</span>{' '}
      {open ? (
        <form
          class="inline-form"
          onSubmit={async (e: Event) => {
            e.preventDefault();
            try {
              const p = await setContactConsent(props.patientId, props.contactPointId, { purpose: props.purpose, state: next, detail: detail.trim() || undefined });
              setOpen(false);
              setDetail('');
              setError(null);
              props.onSaved(p, `${purposeWords[props.purpose]}: ${consentWords[next]}.`);
            } catch (err) {
              setError(describe(err));
            }
          }}
        >
          <Field label={next === 'granted' ? 'How the patient agreed' : 'Note (optional)'}>
            <input class="consent-detail" value={detail} required={next === 'granted'} minLength={3} onInput={(e: Event) => setDetail(inputValue(e))} />
          </Field>
          {error ? <Notice>{error}</Notice> : null}
          <button type="submit" class="primary">
            {next === 'granted' ? 'Record agreement' : 'Record opt-out'}
          </button>{' '}
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <button type="button" class="small-button" aria-label={`${next === 'granted' ? 'Record agreement' : 'Record opt-out'} for ${purposeWords[props.purpose].toLowerCase()}`} onClick={() => setOpen(true)}>
          {next === 'granted' ? 'Agreed…' : 'Opt out…'}
        </button>
      )}
    </div>
  );
}

function AddContact(props: { patientId: string; onSaved: (p: PatientRecord, text: string) => void }) {
  const [kind, setKind] = useState<'phone' | 'email'>('phone');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="inline-form"
      id="add-contact"
      onSubmit={async (e: Event) => {
        e.preventDefault();
        try {
          const p = await addContactPoint(props.patientId, { kind, value: value.trim() });
          setValue('');
          setError(null);
          props.onSaved(p, 'Contact added.');
        } catch (err) {
          setError(describe(err));
        }
      }}
    >
      <Field label="Add a contact">
        <select aria-label="Kind of contact" value={kind} onChange={(e: Event) => setKind(inputValue(e) as 'phone' | 'email')}>
          <option value="phone">Phone</option>
          <option value="email">Email</option>
        </select>
      </Field>
      <Field label={kind === 'phone' ? 'Phone number' : 'Email address'}>
        <input value={value} required onInput={(e: Event) => setValue(inputValue(e))} />
      </Field>
      {error ? <Notice>{error}</Notice> : null}
      <button type="submit">Add</button>
    </form>
  );
}
