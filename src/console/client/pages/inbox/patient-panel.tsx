import { useState } from 'hono/jsx/dom';
import type { ConversationContext, Consent } from '../../api/conversations';
import { recordConsent, type ConsentInput } from '../../api/consent';
import { describe, NotAvailableError } from '../../api/http';
import { onLinkClick } from '../../lib/router';
import { capital, channelName, fullTime, personName, shortTime, words } from '../../lib/format';
import { Field, Notice, inputValue } from '../../components/ui';

const consentText: Record<Consent, string> = { granted: 'agreed', unknown: 'not asked', revoked: 'opted out' };

export function PatientPanel(props: { context: ConversationContext; onChanged: () => void }) {
  const ctx = props.context;
  const p = ctx.patient;
  return (
    <aside class="patient-panel" aria-labelledby="patient-title">
      <h2 id="patient-title">{personName(p)}</h2>
      <dl class="facts">
        {p.dateOfBirth ? (
          <div>
            <dt>Date of birth</dt>
            <dd>{p.dateOfBirth}</dd>
          </div>
        ) : null}
        <div>
          <dt>Language</dt>
          <dd>{p.language === 'es' ? 'Spanish' : 'English'}</dd>
        </div>
        {p.tags.length ? (
          <div>
            <dt>Tags</dt>
            <dd>{p.tags.map(words).join(', ')}</dd>
          </div>
        ) : null}
      </dl>
      <h3>Contact and consent</h3>
      <ul class="contacts" id="contact-points">
        {p.contactPoints.map((cp) => (
          <li>
            <span class="contact-value">{cp.kind === 'portal' ? `Portal ${cp.value}` : cp.value}</span>
            {cp.kind === 'phone' ? (
              <span class={`consent consent-${cp.smsConsent}`}>
                Texts: {consentText[cp.smsConsent]}
                {cp.canReceiveSms === false ? ' (cannot receive texts)' : ''}
              </span>
            ) : null}
            {cp.kind === 'email' ? (
              <span class={`consent consent-${cp.undeliverable ? 'revoked' : cp.emailConsent}`}>Email: {cp.undeliverable ? 'bounced' : consentText[cp.emailConsent]}</span>
            ) : null}
          </li>
        ))}
      </ul>
      <ConsentForm patientId={p.id} phones={p.contactPoints.some((c) => c.kind === 'phone')} onSaved={props.onChanged} />
      <h3>Upcoming appointments</h3>
      {ctx.upcomingAppointments.length ? (
        <ul class="plain">
          {ctx.upcomingAppointments.map((a) => (
            <li>
              {fullTime(a.startsAt)}
              {a.type ? `, ${a.type}` : ''}
              {a.provider ? ` with ${a.provider}` : ''} <span class="muted small">({words(a.status)})</span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted small">None booked.</p>
      )}
      <h3>Other conversations</h3>
      {ctx.otherConversations.length ? (
        <ul class="plain" id="other-conversations">
          {ctx.otherConversations.map((o) => (
            <li>
              <a href={`/inbox/c/${o.id}`} onClick={onLinkClick}>
                {channelName[o.channel]}, {shortTime(o.lastMessageAt, new Date(ctx.now))}
              </a>{' '}
              <span class="muted small">
                {o.status === 'pending' ? 'waiting on patient' : o.status}
                {o.intent ? `, ${words(o.intent)}` : ''}
              </span>
              {o.preview ? <p class="small preview">{o.preview}</p> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted small">None.</p>
      )}
      <p class="small">
        <a href={`/patients/${p.id}`} onClick={onLinkClick}>
          Patient record
        </a>
      </p>
    </aside>
  );
}

/** An opt-out or opt-in the patient gave by phone or in person (safety API; audited). */
function ConsentForm(props: { patientId: string; phones: boolean; onSaved: () => void }) {
  const [open, setOpen] = useState(false);
  const [input, setInput] = useState<ConsentInput>({ channel: 'sms', state: 'revoked', source: 'phone' });
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'ok' | 'info'; text: string } | null>(null);
  if (!open) {
    return (
      <button type="button" class="small-button" onClick={() => setOpen(true)}>
        Record consent given by phone…
      </button>
    );
  }
  return (
    <form
      class="consent-form"
      onSubmit={async (e: Event) => {
        e.preventDefault();
        try {
          await recordConsent(props.patientId, { ...input, note: note || undefined });
          setMessage({ kind: 'ok', text: `Recorded: ${input.channel === 'sms' ? 'texts' : input.channel} ${input.state === 'revoked' ? 'opted out' : 'agreed'}.` });
          props.onSaved();
        } catch (err) {
          setMessage(
            err instanceof NotAvailableError
              ? { kind: 'info', text: 'Recording consent from the console is not available on this server yet.' }
              : { kind: 'error', text: describe(err) },
          );
        }
      }}
    >
      <Field label="Channel">
        <select value={input.channel} onChange={(e: Event) => setInput({ ...input, channel: inputValue(e) as ConsentInput['channel'] })}>
          {props.phones ? <option value="sms">Texts</option> : null}
          <option value="email">Email</option>
          {props.phones ? <option value="voice">Calls</option> : null}
        </select>
      </Field>
      <Field label="The patient">
        <select value={input.state} onChange={(e: Event) => setInput({ ...input, state: inputValue(e) as ConsentInput['state'] })}>
          <option value="revoked">asked us to stop</option>
          <option value="granted">agreed to be contacted</option>
        </select>
      </Field>
      <Field label="How">
        <select value={input.source} onChange={(e: Event) => setInput({ ...input, source: inputValue(e) as ConsentInput['source'] })}>
          <option value="phone">By phone</option>
          <option value="in_person">In person</option>
        </select>
      </Field>
      <Field label="Note (optional)">
        <input value={note} onInput={(e: Event) => setNote(inputValue(e))} />
      </Field>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      <div class="actions">
        <button type="submit" class="primary">
          Record
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          {capital('close')}
        </button>
      </div>
    </form>
  );
}
