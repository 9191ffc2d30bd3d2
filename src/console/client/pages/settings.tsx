import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import {
  createQueue,
  getCadence,
  getEhr,
  getOffice,
  listQueues,
  setCadence,
  setEhrConnection,
  syncEhr,
  updateOffice,
  updatePractice,
  updateQueue,
  type Cadence,
  type CadenceStep,
  type EhrConnection,
  type EhrConnectionInput,
  type EhrRun,
  type EhrStatus,
  type Hours,
  type OfficeSettings,
  type Queue,
  type SlaTarget,
} from '../api/practices';
import { listAssistants, updateAssistant, type Assistant } from '../api/people';
import { describe, NotAvailableError } from '../api/http';
import { onLinkClick, usePath } from '../lib/router';
import { fullTime, words } from '../lib/format';
import { ErrorView, Field, Loading, NotAvailable, Notice, PageHeader, inputChecked, inputValue } from '../components/ui';
import { intents } from '../../../../triage/types';

const sections = [
  { key: 'practice', name: 'Practice' },
  { key: 'queues', name: 'Queues' },
  { key: 'assistants', name: 'Assistants' },
  { key: 'reminders', name: 'Reminders' },
  { key: 'ehr', name: 'EHR connection' },
] as const;

type Saved = { kind: 'ok' | 'error'; text: string } | null;

export function SettingsPage() {
  const app = useApp();
  const path = usePath();
  const section = sections.find((s) => path === `/settings/${s.key}`)?.key ?? 'practice';
  const practiceId = app.onePracticeId;
  if (!practiceId) return <Notice>No practice to set up.</Notice>;
  return (
    <div class="settings-page">
      <PageHeader title={`Settings${app.practices.length > 1 ? `: ${app.practiceName(practiceId)}` : ''}`} />
      <nav class="subnav" aria-label="Settings sections">
        <ul>
          {sections.map((s) => (
            <li>
              <a href={`/settings/${s.key}`} aria-current={s.key === section ? 'page' : undefined} onClick={onLinkClick}>
                {s.name}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {section === 'practice' ? <PracticeSettings practiceId={practiceId} /> : null}
      {section === 'queues' ? <QueueSettings practiceId={practiceId} /> : null}
      {section === 'assistants' ? <AssistantSettings practiceId={practiceId} /> : null}
      {section === 'reminders' ? <ReminderSettings practiceId={practiceId} /> : null}
      {section === 'ehr' ? <EhrSettings practiceId={practiceId} /> : null}
    </div>
  );
}

const days = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
] as const;

function PracticeSettings(props: { practiceId: string }) {
  const app = useApp();
  const [s, setS] = useState<OfficeSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<Saved>(null);
  const [newDate, setNewDate] = useState('');
  const practice = app.practices.find((p) => p.id === props.practiceId);
  const [phones, setPhones] = useState((practice?.phoneNumbers ?? []).join('\n'));
  const [emails, setEmails] = useState((practice?.emailAddresses ?? []).join('\n'));
  useEffect(() => {
    getOffice(props.practiceId)
      .then(setS)
      .catch(setError);
  }, [props.practiceId]);
  if (error) return <ErrorView error={error} what="Practice settings" />;
  if (!s) return <Loading />;
  const set = (patch: Partial<OfficeSettings>) => setS({ ...s, ...patch });
  const setDay = (day: keyof Hours['weekly'], intervals: { open: string; close: string }[]) => set({ hours: { ...s.hours, weekly: { ...s.hours.weekly, [day]: intervals } } });
  return (
    <>
      <form
        class="settings-form"
        onSubmit={async (e: Event) => {
          e.preventDefault();
          try {
            const next = await updateOffice(props.practiceId, {
              hours: { weekly: Object.fromEntries(Object.entries(s.hours.weekly).filter(([, v]) => v && v.length)), closedDates: s.hours.closedDates },
              afterHoursMessage: s.afterHoursMessage || null,
              afterHoursMessageEs: s.afterHoursMessageEs || null,
              onCall: { phone: s.onCall.phone || null, email: s.onCall.email || null },
              mainPhone: s.mainPhone || null,
              address: s.address || null,
              fax: s.fax || null,
              website: s.website || null,
              portalUrl: s.portalUrl || null,
            });
            setS(next);
            setSaved({ kind: 'ok', text: 'Saved.' });
          } catch (err) {
            setSaved({ kind: 'error', text: describe(err) });
          }
        }}
      >
        <fieldset>
          <legend>Opening hours ({s.timeZone})</legend>
          <table class="hours">
            <tbody>
              {days.map(([key, name]) => {
                const list = s.hours.weekly[key] ?? [];
                return (
                  <tr>
                    <th scope="row">{name}</th>
                    <td>
                      {list.length === 0 ? <span class="muted">Closed</span> : null}
                      {list.map((iv, i) => (
                        <span class="interval">
                          <input type="time" aria-label={`${name} opens`} value={iv.open} onInput={(e: Event) => setDay(key, list.map((x, j) => (j === i ? { ...x, open: inputValue(e) } : x)))} />
                          –
                          <input type="time" aria-label={`${name} closes`} value={iv.close} onInput={(e: Event) => setDay(key, list.map((x, j) => (j === i ? { ...x, close: inputValue(e) } : x)))} />
                          <button type="button" class="small-button" aria-label={`Remove these ${name} hours`} onClick={() => setDay(key, list.filter((_, j) => j !== i))}>
                            ✕
                          </button>
                        </span>
                      ))}
                      <button type="button" class="small-button" onClick={() => setDay(key, [...list, { open: '08:00', close: '17:00' }])}>
                        Add hours
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </fieldset>
        <fieldset>
          <legend>Closed dates</legend>
          <ul class="plain chips">
            {s.hours.closedDates.map((d) => (
              <li>
                {d}{' '}
                <button type="button" class="small-button" aria-label={`Remove closed date ${d}`} onClick={() => set({ hours: { ...s.hours, closedDates: s.hours.closedDates.filter((x) => x !== d) } })}>
                  ✕
                </button>
              </li>
            ))}
          </ul>
          <div class="inline-fields">
            <Field label="Add a closed date">
              <input type="date" value={newDate} onInput={(e: Event) => setNewDate(inputValue(e))} />
            </Field>
            <button
              type="button"
              onClick={() => {
                if (newDate && !s.hours.closedDates.includes(newDate)) set({ hours: { ...s.hours, closedDates: [...s.hours.closedDates, newDate].sort() } });
                setNewDate('');
              }}
            >
              Add
            </button>
          </div>
        </fieldset>
        <fieldset>
          <legend>After hours</legend>
          <Field label="On-call phone">
            <input type="tel" value={s.onCall.phone ?? ''} onInput={(e: Event) => set({ onCall: { ...s.onCall, phone: inputValue(e) } })} />
          </Field>
          <Field label="On-call email">
            <input type="email" value={s.onCall.email ?? ''} onInput={(e: Event) => set({ onCall: { ...s.onCall, email: inputValue(e) } })} />
          </Field>
          <Field label="After-hours message (English)">
            <textarea rows={3} value={s.afterHoursMessage ?? ''} onInput={(e: Event) => set({ afterHoursMessage: inputValue(e) })} />
          </Field>
          <Field label="After-hours message (Spanish)">
            <textarea rows={3} lang="es" value={s.afterHoursMessageEs ?? ''} onInput={(e: Event) => set({ afterHoursMessageEs: inputValue(e) })} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>What templates tell patients</legend>
          <Field label="Main phone">
            <input type="tel" value={s.mainPhone ?? ''} onInput={(e: Event) => set({ mainPhone: inputValue(e) })} />
          </Field>
          <Field label="Address">
            <input value={s.address ?? ''} onInput={(e: Event) => set({ address: inputValue(e) })} />
          </Field>
          <Field label="Fax">
            <input value={s.fax ?? ''} onInput={(e: Event) => set({ fax: inputValue(e) })} />
          </Field>
          <Field label="Website">
            <input type="url" value={s.website ?? ''} onInput={(e: Event) => set({ website: inputValue(e) })} />
          </Field>
          <Field label="Patient portal">
            <input type="url" value={s.portalUrl ?? ''} onInput={(e: Event) => set({ portalUrl: inputValue(e) })} />
          </Field>
        </fieldset>
        {saved ? <Notice kind={saved.kind}>{saved.text}</Notice> : null}
        <div class="actions">
          <button type="submit" class="primary">
            Save practice settings
          </button>
        </div>
      </form>
      <section class="settings-form" aria-labelledby="numbers-title">
        <h2 id="numbers-title">Numbers and addresses</h2>
        <p class="muted small">Texts and calls to these numbers, and email to these addresses, land in this practice’s inbox.</p>
        {app.role === 'admin' ? (
          <form
            onSubmit={async (e: Event) => {
              e.preventDefault();
              try {
                await updatePractice(props.practiceId, {
                  phoneNumbers: phones.split(/\s+/).filter(Boolean),
                  emailAddresses: emails.split(/\s+/).filter(Boolean),
                });
                setSaved({ kind: 'ok', text: 'Numbers and addresses saved.' });
              } catch (err) {
                setSaved({ kind: 'error', text: describe(err) });
              }
            }}
          >
            <Field label="Phone numbers (one a line)">
              <textarea rows={3} value={phones} onInput={(e: Event) => setPhones(inputValue(e))} />
            </Field>
            <Field label="Email addresses (one a line)">
              <textarea rows={3} value={emails} onInput={(e: Event) => setEmails(inputValue(e))} />
            </Field>
            <button type="submit">Save numbers and addresses</button>
          </form>
        ) : (
          <ul class="plain">
            {[...(practice?.phoneNumbers ?? []), ...(practice?.emailAddresses ?? [])].map((v) => (
              <li>{v}</li>
            ))}
            <li class="muted small">An admin changes these.</li>
          </ul>
        )}
      </section>
    </>
  );
}

const urgencyNames = { emergency: 'Emergency', urgent: 'Urgent', routine: 'Routine' } as const;
const playbookEntities = ['', 'medications', 'pharmacy', 'dateOfBirth', 'callbackNumber', 'dates'];

function QueueSettings(props: { practiceId: string }) {
  const [queues, setQueues] = useState<Queue[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<Record<string, Saved>>({});
  const [creating, setCreating] = useState({ key: '', name: '' });
  const [createMsg, setCreateMsg] = useState<{ kind: 'ok' | 'error' | 'info'; text: string } | null>(null);
  const load = () =>
    listQueues(props.practiceId)
      .then((r) => setQueues(r.data))
      .catch(setError);
  useEffect(() => void load(), [props.practiceId]);
  if (error) return <ErrorView error={error} what="Queues" />;
  if (!queues) return <Loading />;
  const edit = (id: string, patch: Partial<Queue>) => setQueues(queues.map((q) => (q.id === id ? { ...q, ...patch } : q)));
  return (
    <div class="queue-settings">
      {queues.map((q) => (
        <form
          class="settings-form queue"
          aria-label={`Queue ${q.name}`}
          onSubmit={async (e: Event) => {
            e.preventDefault();
            try {
              const playbook = q.playbook?.items.length ? { items: q.playbook.items.map((i) => ({ key: i.key, label: i.label, ...(i.entity ? { entity: i.entity } : {}) })) } : null;
              await updateQueue(q.id, { name: q.name, sla: q.sla, playbook });
              setSaved({ ...saved, [q.id]: { kind: 'ok', text: 'Saved.' } });
            } catch (err) {
              setSaved({ ...saved, [q.id]: { kind: 'error', text: describe(err) } });
            }
          }}
        >
          <h2>
            {q.name} <span class="muted small">({q.key}{q.urgent ? ', where emergencies and urgent messages go' : ''}; {q.open} open, {q.unassigned} unassigned)</span>
          </h2>
          <Field label="Name">
            <input value={q.name} onInput={(e: Event) => edit(q.id, { name: inputValue(e) })} />
          </Field>
          <fieldset>
            <legend>First response SLA</legend>
            {(['emergency', 'urgent', 'routine'] as const).map((u) => {
              const t: SlaTarget = q.sla?.[u] ?? {};
              const setT = (patch: SlaTarget) => edit(q.id, { sla: { ...(q.sla ?? {}), [u]: { ...t, ...patch } } });
              return (
                <div class="inline-fields">
                  <Field label={`${urgencyNames[u]}: minutes`}>
                    <input
                      type="number"
                      min="1"
                      value={t.firstResponseMinutes === undefined ? '' : String(t.firstResponseMinutes)}
                      placeholder="default"
                      onInput={(e: Event) => setT({ firstResponseMinutes: inputValue(e) ? Number(inputValue(e)) : undefined })}
                    />
                  </Field>
                  <label class="check">
                    <input type="checkbox" checked={Boolean(t.businessHours)} onChange={(e: Event) => setT({ businessHours: inputChecked(e) })} /> business hours only
                  </label>
                </div>
              );
            })}
          </fieldset>
          <fieldset>
            <legend>Checklist (playbook)</legend>
            <ul class="plain">
              {(q.playbook?.items ?? []).map((item, i) => {
                const items = q.playbook!.items;
                const setItem = (patch: Partial<(typeof items)[number]>) => edit(q.id, { playbook: { items: items.map((x, j) => (j === i ? { ...x, ...patch } : x)) } });
                return (
                  <li class="inline-fields">
                    <Field label="Item">
                      <input value={item.label} onInput={(e: Event) => setItem({ label: inputValue(e), key: item.key || inputValue(e).toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40) })} />
                    </Field>
                    <Field label="Prefill from">
                      <select value={item.entity ?? ''} onChange={(e: Event) => setItem({ entity: inputValue(e) || undefined })}>
                        {playbookEntities.map((en) => (
                          <option value={en} selected={(item.entity ?? '') === en}>
                            {en ? words(en) : 'nothing'}
                          </option>
                        ))}
                      </select>
                    </Field>
                    <button type="button" class="small-button" aria-label={`Remove ${item.label}`} onClick={() => edit(q.id, { playbook: { items: items.filter((_, j) => j !== i) } })}>
                      ✕
                    </button>
                  </li>
                );
              })}
            </ul>
            <button
              type="button"
              class="small-button"
              onClick={() => edit(q.id, { playbook: { items: [...(q.playbook?.items ?? []), { key: `item_${(q.playbook?.items.length ?? 0) + 1}`, label: 'New item' }] } })}
            >
              Add an item
            </button>
          </fieldset>
          {saved[q.id] ? <Notice kind={saved[q.id]!.kind}>{saved[q.id]!.text}</Notice> : null}
          <button type="submit" class="primary">
            Save {q.name}
          </button>
        </form>
      ))}
      <form
        class="settings-form"
        aria-labelledby="new-queue-title"
        onSubmit={async (e: Event) => {
          e.preventDefault();
          try {
            await createQueue({ practiceId: props.practiceId, ...creating });
            setCreateMsg({ kind: 'ok', text: 'Queue created.' });
            setCreating({ key: '', name: '' });
            void load();
          } catch (err) {
            setCreateMsg(err instanceof NotAvailableError ? { kind: 'info', text: 'Creating queues is not available on this server yet.' } : { kind: 'error', text: describe(err) });
          }
        }}
      >
        <h2 id="new-queue-title">New queue</h2>
        <div class="inline-fields">
          <Field label="Name">
            <input value={creating.name} onInput={(e: Event) => setCreating({ name: inputValue(e), key: inputValue(e).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 40) })} />
          </Field>
          <Field label="Key">
            <input value={creating.key} onInput={(e: Event) => setCreating({ ...creating, key: inputValue(e) })} />
          </Field>
        </div>
        {createMsg ? <Notice kind={createMsg.kind}>{createMsg.text}</Notice> : null}
        <button type="submit">Create queue</button>
      </form>
    </div>
  );
}

function AssistantSettings(props: { practiceId: string }) {
  const [people, setPeople] = useState<Assistant[] | null>(null);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<Record<string, Saved>>({});
  useEffect(() => {
    Promise.all([listAssistants(), listQueues(props.practiceId)])
      .then(([a, q]) => {
        setPeople(a.data.filter((x) => x.practiceIds.includes(props.practiceId)));
        setQueues(q.data);
      })
      .catch(setError);
  }, [props.practiceId]);
  if (error) return <ErrorView error={error} what="Assistants" />;
  if (!people) return <Loading />;
  if (people.length === 0) return <p class="muted">No assistants in this practice yet. An admin adds them under Users.</p>;
  const edit = (id: string, patch: Partial<Assistant>) => setPeople(people.map((p) => (p.id === id ? { ...p, ...patch } : p)));
  return (
    <div class="assistant-settings">
      {people.map((a) => (
        <form
          class="settings-form"
          aria-label={`Assistant ${a.name ?? a.email}`}
          onSubmit={async (e: Event) => {
            e.preventDefault();
            try {
              await updateAssistant(a.id, { capacity: a.capacity, skills: a.skills, queueIds: a.queueIds });
              setSaved({ ...saved, [a.id]: { kind: 'ok', text: 'Saved.' } });
            } catch (err) {
              setSaved({ ...saved, [a.id]: { kind: 'error', text: describe(err) } });
            }
          }}
        >
          <h2>
            {a.name ?? a.email} <span class="muted small">({a.presence === 'available' ? 'online' : a.presence === 'away' ? 'busy' : 'offline'}, {a.open} open)</span>
          </h2>
          <Field label="Capacity (open conversations at once)">
            <input type="number" min="0" max="200" value={String(a.capacity)} onInput={(e: Event) => edit(a.id, { capacity: Number(inputValue(e)) })} />
          </Field>
          <fieldset>
            <legend>Queues</legend>
            {queues.map((q) => (
              <label class="check">
                <input type="checkbox" checked={a.queueIds.includes(q.id)} onChange={(e: Event) => edit(a.id, { queueIds: inputChecked(e) ? [...a.queueIds, q.id] : a.queueIds.filter((x) => x !== q.id) })} /> {q.name}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Languages</legend>
            {(['en', 'es'] as const).map((l) => (
              <label class="check">
                <input
                  type="checkbox"
                  checked={a.skills.languages.includes(l)}
                  onChange={(e: Event) => edit(a.id, { skills: { ...a.skills, languages: inputChecked(e) ? [...a.skills.languages, l] : a.skills.languages.filter((x) => x !== l) } })}
                />{' '}
                {l === 'en' ? 'English' : 'Spanish'}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Skills (kinds of request)</legend>
            <div class="checks">
              {intents.map((i) => (
                <label class="check">
                  <input
                    type="checkbox"
                    checked={a.skills.tasks.includes(i)}
                    onChange={(e: Event) => edit(a.id, { skills: { ...a.skills, tasks: inputChecked(e) ? [...a.skills.tasks, i] : a.skills.tasks.filter((x) => x !== i) } })}
                  />{' '}
                  {words(i)}
                </label>
              ))}
            </div>
          </fieldset>
          {saved[a.id] ? <Notice kind={saved[a.id]!.kind}>{saved[a.id]!.text}</Notice> : null}
          <button type="submit" class="primary">
            Save
          </button>
        </form>
      ))}
    </div>
  );
}

const unitOf = (m: number) => (m % 1440 === 0 ? { n: m / 1440, unit: 'days' } : m % 60 === 0 ? { n: m / 60, unit: 'hours' } : { n: m, unit: 'minutes' });
const toMinutes = (n: number, unit: string) => n * (unit === 'days' ? 1440 : unit === 'hours' ? 60 : 1);

function Steps(props: { steps: CadenceStep[]; onChange: (s: CadenceStep[]) => void; label: string }) {
  return (
    <ul class="plain">
      {props.steps.map((s, i) => {
        const u = unitOf(s.minutesBefore);
        const setStep = (patch: Partial<CadenceStep>) => props.onChange(props.steps.map((x, j) => (j === i ? { ...x, ...patch } : x)));
        return (
          <li class="inline-fields">
            <Field label="By">
              <select value={s.channel} onChange={(e: Event) => setStep({ channel: inputValue(e) as CadenceStep['channel'] })}>
                {(['sms', 'email', 'voice'] as const).map((ch) => (
                  <option value={ch} selected={ch === s.channel}>
                    {ch === 'sms' ? 'text' : ch === 'voice' ? 'call' : 'email'}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="How long before">
              <input type="number" min="1" value={String(u.n)} onInput={(e: Event) => setStep({ minutesBefore: toMinutes(Number(inputValue(e)), u.unit) })} />
            </Field>
            <Field label="Unit">
              <select value={u.unit} onChange={(e: Event) => setStep({ minutesBefore: toMinutes(u.n, inputValue(e)) })}>
                {['minutes', 'hours', 'days'].map((x) => (
                  <option value={x} selected={x === u.unit}>
                    {x}
                  </option>
                ))}
              </select>
            </Field>
            <button type="button" class="small-button" aria-label={`Remove step ${i + 1} of ${props.label}`} onClick={() => props.onChange(props.steps.filter((_, j) => j !== i))}>
              ✕
            </button>
          </li>
        );
      })}
      <li>
        <button type="button" class="small-button" onClick={() => props.onChange([...props.steps, { channel: 'sms', minutesBefore: 1440 }])}>
          Add a reminder
        </button>
      </li>
    </ul>
  );
}

function ReminderSettings(props: { practiceId: string }) {
  const [cadence, setCad] = useState<Cadence | null>(null);
  const [office, setOffice] = useState<OfficeSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<Saved>(null);
  const [newType, setNewType] = useState('');
  useEffect(() => {
    Promise.all([getCadence(props.practiceId), getOffice(props.practiceId)])
      .then(([c, o]) => {
        setCad(c);
        setOffice(o);
      })
      .catch(setError);
  }, [props.practiceId]);
  if (error) return <ErrorView error={error} what="Reminder settings" />;
  if (!cadence) return <Loading />;
  return (
    <form
      class="settings-form"
      onSubmit={async (e: Event) => {
        e.preventDefault();
        try {
          setCad(await setCadence(props.practiceId, cadence));
          setSaved({ kind: 'ok', text: 'Saved: appointments booked or moved from now on follow it.' });
        } catch (err) {
          setSaved({ kind: 'error', text: describe(err) });
        }
      }}
    >
      <fieldset>
        <legend>Reminders for every appointment</legend>
        <Steps label="the default cadence" steps={cadence.default} onChange={(s) => setCad({ ...cadence, default: s })} />
      </fieldset>
      {Object.entries(cadence.byType).map(([type, steps]) => (
        <fieldset>
          <legend>Appointments of type “{type}”</legend>
          <Steps label={type} steps={steps} onChange={(s) => setCad({ ...cadence, byType: { ...cadence.byType, [type]: s } })} />
          <button
            type="button"
            class="small-button"
            onClick={() => {
              const { [type]: _gone, ...rest } = cadence.byType;
              setCad({ ...cadence, byType: rest });
            }}
          >
            Use the default for “{type}”
          </button>
        </fieldset>
      ))}
      <div class="inline-fields">
        <Field label="Own cadence for an appointment type">
          <input value={newType} onInput={(e: Event) => setNewType(inputValue(e))} placeholder="e.g. annual physical" />
        </Field>
        <button
          type="button"
          onClick={() => {
            if (newType.trim()) setCad({ ...cadence, byType: { ...cadence.byType, [newType.trim()]: [...cadence.default] } });
            setNewType('');
          }}
        >
          Add
        </button>
      </div>
      <p class="muted small">
        Quiet hours: automated texts and calls go out only between {office?.quietHours.start ?? '08:00'} and {office?.quietHours.end ?? '21:00'} in the patient’s time zone, and at most one a day and three
        a week per patient (TCPA); a reminder due outside them waits for the morning, or is skipped when that is too late.
      </p>
      {saved ? <Notice kind={saved.kind}>{saved.text}</Notice> : null}
      <button type="submit" class="primary">
        Save reminder cadence
      </button>
    </form>
  );
}

const ehrStatusWords: Record<EhrConnection['status'], string> = {
  new: 'connected, not synced yet',
  ok: 'working',
  error: 'the last sync failed; retrying',
  failing: 'the EHR refused the credentials; syncs paused until they are saved again',
};

function runSummary(r: EhrRun): string {
  const c = r.counts;
  const counts = c ? `${c.created} new, ${c.updated} updated, ${c.cancelled} cancelled, ${c.unchanged} unchanged` : '';
  return `${fullTime(r.finishedAt ?? r.startedAt)}: ${r.status === 'failed' ? `failed (${r.error ?? 'unknown error'})` : counts}${r.problems.length ? `; ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}` : ''}`;
}

function EhrSettings(props: { practiceId: string }) {
  const app = useApp();
  const [status, setStatus] = useState<EhrStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [msg, setMsg] = useState<Saved>(null);
  const [editing, setEditing] = useState(false);
  const reload = () =>
    getEhr(props.practiceId)
      .then((s) => {
        setStatus(s);
        setError(null);
      })
      .catch(setError);
  useEffect(() => {
    setStatus(null);
    setEditing(false);
    void reload();
  }, [props.practiceId]);
  if (error instanceof NotAvailableError) return <NotAvailable what="The EHR connection" detail="Appointments still come in through the CLI import (CSV, FHIR Bundle or a FHIR server)." />;
  if (error) return <ErrorView error={error} what="The EHR connection" />;
  if (!status) return <Loading />;
  const conn = status.connection;
  return (
    <section class="settings-form" id="ehr-settings">
      <dl class="facts">
        <div>
          <dt>FHIR server</dt>
          <dd id="ehr-server">{conn ? conn.fhirBaseUrl : 'not connected'}</dd>
        </div>
        {conn ? (
          <>
            <div>
              <dt>Sign-in</dt>
              <dd>{conn.auth.kind === 'bearer' ? 'bearer token (stored, not shown)' : `OAuth2 client ${conn.auth.clientId ?? ''} (secret stored, not shown)`}</dd>
            </div>
            <div>
              <dt>State</dt>
              <dd id="ehr-state">
                {ehrStatusWords[conn.status]}
                {conn.statusReason ? `: ${conn.statusReason}` : ''}
              </dd>
            </div>
            <div>
              <dt>Sync every</dt>
              <dd>{conn.syncMinutes ? `${conn.syncMinutes} minutes${conn.nextSyncAt ? ` (next ${fullTime(conn.nextSyncAt)})` : ''}` : 'only when asked'}</dd>
            </div>
            <div>
              <dt>Write answers back</dt>
              <dd>{conn.writeBack ? 'yes' : 'no'}</dd>
            </div>
          </>
        ) : null}
        <div>
          <dt>Last sync</dt>
          <dd id="ehr-last-sync">{status.lastSync ? runSummary(status.lastSync) : 'never'}</dd>
        </div>
        {status.runningSync ? (
          <div>
            <dt>Sync under way</dt>
            <dd>
              {status.runningSync.done} of {status.runningSync.total}
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Write-backs</dt>
          <dd>
            {status.writeBacks.pending} waiting, {status.writeBacks.failed} failed
          </dd>
        </div>
      </dl>
      {status.lastSync?.problems.length ? (
        <ul class="plain small">
          {status.lastSync.problems.slice(0, 10).map((p) => (
            <li class={p.level === 'error' ? 'error' : 'muted'}>
              {p.resource ? `${p.resource}: ` : ''}
              {p.reason}
            </li>
          ))}
        </ul>
      ) : null}
      {msg ? <Notice kind={msg.kind}>{msg.text}</Notice> : null}
      <div class="actions">
        {conn ? (
          <button
            type="button"
            id="ehr-sync"
            onClick={async () => {
              try {
                const run = await syncEhr(props.practiceId);
                await reload();
                setMsg(run.status === 'failed' ? { kind: 'error', text: `The sync failed: ${run.error ?? 'unknown error'}` } : { kind: 'ok', text: 'Synced.' });
              } catch (err) {
                setMsg({ kind: 'error', text: describe(err) });
              }
            }}
          >
            Sync now
          </button>
        ) : null}
        {app.role === 'admin' && !editing ? (
          <button type="button" id="ehr-edit" onClick={() => setEditing(true)}>
            {conn ? 'Change the connection' : 'Connect an EHR'}
          </button>
        ) : null}
      </div>
      {app.role !== 'admin' ? <p class="muted small">An admin connects the EHR and changes its credentials.</p> : null}
      {editing ? (
        <EhrForm
          practiceId={props.practiceId}
          connection={conn}
          onCancel={() => setEditing(false)}
          onSaved={async (text) => {
            setEditing(false);
            setMsg({ kind: 'ok', text });
            await reload();
          }}
        />
      ) : null}
    </section>
  );
}

/** Admins: the FHIR server, its sign-in (secrets are write-only), the sync interval and write-back. */
function EhrForm(props: { practiceId: string; connection: EhrConnection | null; onCancel: () => void; onSaved: (text: string) => void }) {
  const c = props.connection;
  const [form, setForm] = useState({
    fhirBaseUrl: c?.fhirBaseUrl ?? '',
    kind: c?.auth.kind ?? ('bearer' as 'bearer' | 'client_credentials'),
    token: '',
    tokenUrl: c?.auth.tokenUrl ?? '',
    clientId: c?.auth.clientId ?? '',
    clientSecret: '',
    scope: c?.auth.scope ?? '',
    syncMinutes: c ? (c.syncMinutes === null ? '' : String(c.syncMinutes)) : '60',
    writeBack: c?.writeBack ?? false,
  });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: inputValue(e) });
  return (
    <form
      id="ehr-form"
      onSubmit={async (e: Event) => {
        e.preventDefault();
        const auth: EhrConnectionInput['auth'] =
          form.kind === 'bearer'
            ? { kind: 'bearer', ...(form.token ? { token: form.token } : {}) }
            : { kind: 'client_credentials', tokenUrl: form.tokenUrl.trim(), clientId: form.clientId.trim(), scope: form.scope.trim() || null, ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}) };
        try {
          await setEhrConnection(props.practiceId, {
            fhirBaseUrl: form.fhirBaseUrl.trim(),
            auth,
            syncMinutes: form.syncMinutes.trim() ? Number(form.syncMinutes) : null,
            writeBack: form.writeBack,
          });
          props.onSaved('EHR connection saved.');
        } catch (err) {
          setError(describe(err));
        }
      }}
    >
      <Field label="FHIR R4 base URL">
        <input id="ehr-url" type="url" required value={form.fhirBaseUrl} onInput={set('fhirBaseUrl')} placeholder="https://ehr.example.com/fhir/r4" />
      </Field>
      <Field label="Sign-in">
        <select id="ehr-auth-kind" value={form.kind} onChange={set('kind')}>
          <option value="bearer" selected={form.kind === 'bearer'}>
            Bearer token
          </option>
          <option value="client_credentials" selected={form.kind === 'client_credentials'}>
            OAuth2 client credentials
          </option>
        </select>
      </Field>
      {form.kind === 'bearer' ? (
        <Field label="Token" hint={c ? 'Leave empty to keep the stored one' : undefined}>
          <input id="ehr-token" type="password" autocomplete="off" value={form.token} onInput={set('token')} />
        </Field>
      ) : (
        <>
          <Field label="Token URL">
            <input id="ehr-token-url" type="url" required value={form.tokenUrl} onInput={set('tokenUrl')} />
          </Field>
          <Field label="Client id">
            <input id="ehr-client-id" required value={form.clientId} onInput={set('clientId')} />
          </Field>
          <Field label="Client secret" hint={c ? 'Leave empty to keep the stored one' : undefined}>
            <input id="ehr-client-secret" type="password" autocomplete="off" value={form.clientSecret} onInput={set('clientSecret')} />
          </Field>
          <Field label="Scope (optional)">
            <input id="ehr-scope" value={form.scope} onInput={set('scope')} />
          </Field>
        </>
      )}
      <Field label="Sync every (minutes)" hint="5 to 1440; empty: only when asked">
        <input id="ehr-sync-minutes" type="number" min={5} max={1440} value={form.syncMinutes} onInput={set('syncMinutes')} />
      </Field>
      <label class="check">
        <input id="ehr-write-back" type="checkbox" checked={form.writeBack} onChange={(e: Event) => setForm({ ...form, writeBack: inputChecked(e) })} /> Write confirmations, cancellations and
        reschedules back to the EHR
      </label>
      {error ? <Notice>{error}</Notice> : null}
      <div class="actions">
        <button type="submit" class="primary">
          Save connection
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        {c ? (
          <button
            type="button"
            class="danger"
            onClick={async () => {
              if (!confirm('Disconnect the EHR? Appointments already imported stay.')) return;
              try {
                await setEhrConnection(props.practiceId, null);
                props.onSaved('EHR disconnected.');
              } catch (err) {
                setError(describe(err));
              }
            }}
          >
            Disconnect
          </button>
        ) : null}
      </div>
    </form>
  );
}
