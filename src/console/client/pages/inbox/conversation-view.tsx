import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../../app';
import {
  assign,
  callPatient,
  correctTriage,
  getContext,
  getConversation,
  reopen,
  resolve,
  setChecklist,
  snooze,
  type Confirmation,
  type Conversation,
  type ConversationContext,
  type Message,
} from '../../api/conversations';
import { ApiError, describe, NotAvailableError } from '../../api/http';
import { listAssistants, type Assistant } from '../../api/people';
import { listQueues, type Queue } from '../../api/practices';
import { onChange } from '../../lib/live';
import { navigate, onLinkClick } from '../../lib/router';
import { useShortcuts } from '../../lib/keys';
import { capital, channelName, fromWallTime, fullTime, parseWallInput, personName, slaLeft, wallInput, wallTime, words } from '../../lib/format';
import { Dialog, ErrorView, Field, Loading, Notice, inputChecked, inputValue } from '../../components/ui';
import { Composer, type ComposeRequest } from './composer';
import { PatientPanel } from './patient-panel';
import { intents, urgencies } from '../../../../../triage/types';

interface Loaded {
  c: Conversation;
  ctx: ConversationContext;
}

export function ConversationView(props: { id: string; now: Date; onChanged: () => void }) {
  const app = useApp();
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const [dialog, setDialog] = useState<null | 'assign' | 'snooze'>(null);
  const [confirm, setConfirm] = useState<null | { message: string; retry: (c: Confirmation) => Promise<void> }>(null);
  const [compose, setCompose] = useState<ComposeRequest>({ kind: 'reply', nonce: 0 });

  const load = async (quiet = false) => {
    if (!quiet) {
      setData(null);
      setError(null);
    }
    try {
      const [c, ctx] = await Promise.all([getConversation(props.id), getContext(props.id)]);
      setData({ c, ctx });
      setError(null);
    } catch (err) {
      setError(err);
    }
  };

  useEffect(() => {
    setNotice(null);
    void load();
  }, [props.id]);

  useEffect(
    () =>
      onChange((change) => {
        if (change.conversationId === props.id || change.conversationId === '*') void load(true);
      }),
    [props.id],
  );

  const changed = async (text?: string) => {
    if (text) setNotice({ kind: 'ok', text });
    await load(true);
    props.onChanged();
  };

  /** An action that a people-only conversation may ask to confirm with a reason (safety rules). */
  const guarded = async (what: string, run: (c: Confirmation) => Promise<unknown>, done: string) => {
    setNotice(null);
    try {
      await run({});
      await changed(done);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.code === 'confirmation_required') {
        setConfirm({
          // the server's words up to its advice to API callers ("send confirm: true..."), which this dialog does
          message: `${capital(err.message.split(';')[0]!.trim())}.`,
          retry: async (c) => {
            await run(c);
            setConfirm(null);
            await changed(done);
          },
        });
        return;
      }
      setNotice({ kind: 'error', text: `${what}: ${describe(err)}` });
    }
  };

  const doResolve = () => void guarded('Resolve', (c) => resolve(props.id, c), 'Resolved.');

  useShortcuts('conversation', [
    { key: 'r', label: 'Reply to the patient', run: () => setCompose({ kind: 'reply', nonce: Date.now() }) },
    { key: 'n', label: 'Write an internal note', run: () => setCompose({ kind: 'note', nonce: Date.now() }) },
    { key: 'a', label: 'Assign to a person or queue', run: () => setDialog('assign') },
    { key: 'e', label: 'Resolve the conversation', run: doResolve },
    { key: 's', label: 'Snooze until a time you pick', run: () => setDialog('snooze') },
    { key: 'Escape', label: 'Back to the list', run: () => navigate('/inbox') },
  ]);

  if (error) {
    return (
      <div class="conversation">
        <a class="back" href="/inbox" onClick={onLinkClick}>
          ← Inbox
        </a>
        <ErrorView error={error} what="This conversation" />
      </div>
    );
  }
  if (!data) return <Loading label="Opening the conversation…" />;
  const { c, ctx } = data;
  const sla = c.status === 'open' ? slaLeft(c.slaDueAt, props.now) : null;
  const lastTriaged = [...c.messages].reverse().find((m) => m.direction === 'inbound' && m.kind === 'message' && m.triage);
  const assigneeName = ctx.assignee ? (ctx.assignee.name ?? ctx.assignee.email) : null;

  return (
    <div class="conversation" id="detail">
      <div class="conversation-main">
        <a class="back" href="/inbox" onClick={onLinkClick}>
          ← Inbox
        </a>
        <header class="conv-header">
          <h1 id="conversation-title">{personName(c.patient)}</h1>
          <p class="conv-facts">
            {c.urgency && c.urgency !== 'routine' ? <span class={`badge ${c.urgency}`}>{capital(c.urgency)}</span> : null}
            <span>{c.status === 'pending' ? 'Waiting on patient' : capital(c.status)}</span>
            <span>{c.queue ? c.queue.name : 'Not routed yet'}</span>
            <span id="assignee-name">{assigneeName ? `Assigned to ${assigneeName}` : 'Unassigned'}</span>
            {sla ? <span class={`sla ${sla.breached ? 'breached' : sla.soon ? 'soon' : ''}`}>{sla.text}</span> : null}
            {app.practices.length > 1 ? <span>{app.practiceName(c.practiceId)}</span> : null}
          </p>
          <div class="actions" role="toolbar" aria-label="Conversation actions">
            {ctx.assignee?.id !== app.userId ? (
              <button type="button" onClick={() => void guarded('Take it', () => assign(c.id, { assigneeId: app.userId }), 'Assigned to you.')}>
                Take it
              </button>
            ) : null}
            <button type="button" onClick={() => setDialog('assign')} aria-keyshortcuts="a">
              Assign…
            </button>
            <button type="button" onClick={() => setDialog('snooze')} aria-keyshortcuts="s">
              Snooze…
            </button>
            {c.status === 'resolved' ? (
              <button type="button" onClick={() => void guarded('Reopen', () => reopen(c.id), 'Reopened.')}>
                Reopen
              </button>
            ) : (
              <button type="button" onClick={doResolve} aria-keyshortcuts="e">
                Resolve
              </button>
            )}
            <CallButton id={c.id} />
          </div>
          {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
        </header>
        {lastTriaged ? <TriagePanel message={lastTriaged} onSaved={() => void changed('Triage corrected; routing follows it.')} /> : null}
        {c.playbook ? <Checklist conversation={c} ticks={ctx.checklist} /> : null}
        <ol class="thread" aria-label="Messages">
          {c.messages.map((m) => (
            <MessageItem message={m} ctx={ctx} patientName={personName(c.patient)} />
          ))}
        </ol>
        <Composer conversation={c} context={ctx} request={compose} onSent={(text) => void changed(text)} />
      </div>
      <PatientPanel context={ctx} onChanged={() => void load(true)} />
      <AssignDialog open={dialog === 'assign'} conversation={c} onClose={() => setDialog(null)} onDone={(t) => void changed(t)} />
      <SnoozeDialog
        open={dialog === 'snooze'}
        now={props.now}
        onClose={() => setDialog(null)}
        onPick={(until) => {
          setDialog(null);
          void guarded('Snooze', (conf) => snooze(c.id, until, conf), `Snoozed until ${fullTime(until)}.`);
        }}
      />
      <ConfirmReasonDialog confirm={confirm} onClose={() => setConfirm(null)} />
    </div>
  );
}

function MessageItem(props: { message: Message; ctx: ConversationContext; patientName: string }) {
  const m = props.message;
  const voicemail = props.ctx.voicemails.find((v) => v.messageId === m.id);
  const who =
    m.kind === 'note'
      ? `Internal note by ${m.author.name ?? 'staff'}`
      : m.direction === 'inbound'
        ? props.patientName
        : m.author.type === 'automation'
          ? 'Automatic reply'
          : m.author.type === 'system'
            ? 'Switchboard'
            : (m.author.name ?? 'Staff');
  const audio = m.attachments.filter((a) => a.contentType.startsWith('audio/'));
  const images = m.attachments.filter((a) => a.contentType.startsWith('image/'));
  const files = m.attachments.filter((a) => !a.contentType.startsWith('audio/') && !a.contentType.startsWith('image/'));
  return (
    <li class={`msg ${m.kind === 'note' ? 'note' : m.direction}`} data-id={m.id}>
      <div class="msg-meta">
        <strong>{who}</strong>
        <span>{m.kind === 'note' ? 'not sent to the patient' : channelName[m.channel]}</span>
        <time datetime={m.createdAt}>{fullTime(m.createdAt)}</time>
        {m.direction === 'outbound' && m.kind === 'message' ? <span class={`status status-${m.status}`}>{words(m.status)}</span> : null}
      </div>
      {m.subject ? <p class="subject">{m.subject}</p> : null}
      {voicemail || audio.length ? (
        <div class="voicemail">
          <p class="muted">
            Voicemail{voicemail?.durationSeconds ? ` (${Math.floor(voicemail.durationSeconds / 60)}:${String(voicemail.durationSeconds % 60).padStart(2, '0')})` : ''}
          </p>
          {audio.some((a) => a.url) ? (
            audio.filter((a) => a.url).map((a) => <audio controls preload="none" src={a.url!} aria-label="Voicemail recording" />)
          ) : (
            <p class="muted small">The recording cannot be played here yet.</p>
          )}
          <p class="transcript-label muted small">{voicemail && !voicemail.hasTranscript ? 'No transcript' : 'Transcript'}</p>
        </div>
      ) : null}
      <p class="body">{m.body || (images.length ? '' : '(no text)')}</p>
      {images.length ? (
        <div class="images">
          {images.map((a) =>
            a.url ? (
              <a href={a.url} target="_blank" rel="noopener">
                <img src={a.url} alt={a.name ? `Photo: ${a.name}` : 'Photo sent by the patient'} loading="lazy" />
              </a>
            ) : (
              <span class="file muted">Photo{a.name ? ` ${a.name}` : ''} (cannot be shown here yet)</span>
            ),
          )}
        </div>
      ) : null}
      {files.length ? (
        <ul class="files">
          {files.map((a) => (
            <li>
              {a.url ? (
                <a href={a.url} download={a.name ?? undefined}>
                  {a.name ?? 'Attachment'}
                </a>
              ) : (
                <span>{a.name ?? 'Attachment'}</span>
              )}{' '}
              <span class="muted small">
                {a.contentType}
                {a.size ? `, ${Math.ceil(a.size / 1024)} KB` : ''}
                {a.url ? '' : ' (download not available yet)'}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      {m.errorCode ? <p class="error small">Not sent: {m.errorMessage ?? m.errorCode}</p> : null}
    </li>
  );
}

const entityLabels: Record<string, string> = {
  medications: 'Medications',
  pharmacy: 'Pharmacy',
  dateOfBirth: 'Date of birth',
  callbackNumber: 'Callback number',
  dates: 'Dates',
};

function TriagePanel(props: { message: Message; onSaved: () => void }) {
  const t = props.message.triage!;
  const [editing, setEditing] = useState(false);
  const [intent, setIntent] = useState(t.intent);
  const [urgency, setUrgency] = useState(t.urgency);
  const [needsHuman, setNeedsHuman] = useState(t.needsHuman);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setIntent(t.intent);
    setUrgency(t.urgency);
    setNeedsHuman(t.needsHuman);
  }, [props.message.id, t.intent, t.urgency, t.needsHuman]);
  const entities = Object.entries(t.entities ?? {}).filter(([k, v]) => k in entityLabels && v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0));
  return (
    <section class="triage" aria-labelledby="triage-title">
      <h2 id="triage-title">Triage</h2>
      <dl class="facts">
        <div>
          <dt>Intent</dt>
          <dd id="triage-intent">{words(t.intent)}</dd>
        </div>
        <div>
          <dt>Urgency</dt>
          <dd id="triage-urgency">{t.urgency}</dd>
        </div>
        <div>
          <dt>Confidence</dt>
          <dd>{Math.round(t.confidence * 100)}%</dd>
        </div>
        <div>
          <dt>Language</dt>
          <dd>{t.language === 'es' ? 'Spanish' : t.language === 'en' ? 'English' : t.language}</dd>
        </div>
        {t.needsHuman ? (
          <div>
            <dt>Needs a person</dt>
            <dd>yes</dd>
          </div>
        ) : null}
        {t.redFlags.length ? (
          <div>
            <dt>Red flags</dt>
            <dd>
              {t.redFlags.map((f) => (
                <span class="badge flag">{words(f)}</span>
              ))}
            </dd>
          </div>
        ) : null}
        {entities.map(([k, v]) => (
          <div>
            <dt>{entityLabels[k]}</dt>
            <dd>{Array.isArray(v) ? v.map(String).join(', ') : String(v)}</dd>
          </div>
        ))}
      </dl>
      {editing ? (
        <form
          class="triage-form"
          onSubmit={async (e: Event) => {
            e.preventDefault();
            try {
              await correctTriage(props.message.id, { intent, urgency, needsHuman });
              setEditing(false);
              setError(null);
              props.onSaved();
            } catch (err) {
              setError(describe(err));
            }
          }}
        >
          <Field label="Intent">
            <select id="correct-intent" value={intent} onChange={(e: Event) => setIntent(inputValue(e))}>
              {intents.map((i) => (
                <option value={i} selected={i === intent}>
                  {words(i)}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Urgency">
            <select id="correct-urgency" value={urgency} onChange={(e: Event) => setUrgency(inputValue(e) as typeof urgency)}>
              {urgencies.map((u) => (
                <option value={u} selected={u === urgency}>
                  {u}
                </option>
              ))}
            </select>
          </Field>
          <label class="check">
            <input type="checkbox" checked={needsHuman || urgency !== 'routine'} disabled={urgency !== 'routine'} onChange={(e: Event) => setNeedsHuman(inputChecked(e))} /> Needs a person
          </label>
          {error ? <Notice>{error}</Notice> : null}
          <div class="actions">
            <button type="submit" class="primary">
              Save correction
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" id="correct-triage" onClick={() => setEditing(true)}>
          Correct the triage
        </button>
      )}
    </section>
  );
}

function Checklist(props: { conversation: Conversation; ticks: ConversationContext['checklist'] }) {
  const pb = props.conversation.playbook!;
  const [ticked, setTicked] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setTicked(Object.fromEntries(props.ticks.map((t) => [t.key, true])));
  }, [props.conversation.id, props.ticks.map((t) => t.key).join(',')]);
  return (
    <section class="playbook" aria-labelledby="checklist-title">
      <h2 id="checklist-title">Checklist: {pb.queue.name}</h2>
      <ul>
        {pb.items.map((i) => {
          const tick = props.ticks.find((t) => t.key === i.key);
          return (
            <li>
              <label class="check">
                <input
                  type="checkbox"
                  data-key={i.key}
                  checked={Boolean(ticked[i.key])}
                  onChange={async (e: Event) => {
                    const checked = inputChecked(e);
                    setTicked({ ...ticked, [i.key]: checked });
                    try {
                      await setChecklist(props.conversation.id, i.key, checked);
                      setError(null);
                    } catch (err) {
                      setTicked({ ...ticked, [i.key]: !checked });
                      setError(describe(err));
                    }
                  }}
                />{' '}
                {i.label}
                {i.value ? <span class="prefill"> — {i.value}</span> : null}
              </label>
              {tick && ticked[i.key] ? <span class="muted small"> ticked by {tick.checkedBy ?? 'someone'}</span> : null}
            </li>
          );
        })}
      </ul>
      {error ? <Notice>{error}</Notice> : null}
    </section>
  );
}

function CallButton(props: { id: string }) {
  const [state, setState] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          try {
            await callPatient(props.id);
            setState('Calling your phone first; answer it to be connected to the patient.');
          } catch (err) {
            setState(err instanceof NotAvailableError ? 'Calling from the inbox is not available on this server yet.' : describe(err));
          }
        }}
      >
        Call
      </button>
      {state ? (
        <span class="small muted" role="status">
          {state}
        </span>
      ) : null}
    </>
  );
}

function AssignDialog(props: { open: boolean; conversation: Conversation; onClose: () => void; onDone: (text: string) => void }) {
  const app = useApp();
  const [people, setPeople] = useState<Assistant[]>([]);
  const [queues, setQueues] = useState<Queue[]>([]);
  const [person, setPerson] = useState('');
  const [queue, setQueue] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!props.open) return;
    setPerson(props.conversation.assigneeId ?? '');
    setQueue(props.conversation.queue?.key ?? '');
    setError(null);
    listAssistants()
      .then((r) => setPeople(r.data.filter((a) => a.practiceIds.includes(props.conversation.practiceId))))
      .catch(() => setPeople([]));
    listQueues(props.conversation.practiceId)
      .then((r) => setQueues(r.data))
      .catch(() => setQueues([]));
  }, [props.open, props.conversation.id]);
  // an assistant hands on to a colleague granted the queue it will be in (the server checks the same)
  const queueId = queues.find((q) => q.key === queue)?.id ?? props.conversation.queue?.id ?? null;
  const colleagues = people.filter((p) => p.id !== app.userId && (app.role !== 'assistant' || (queueId !== null && p.queueIds.includes(queueId))));
  return (
    <Dialog id="assign-dialog" open={props.open} title="Assign" onClose={props.onClose}>
      <form
        onSubmit={async (e: Event) => {
          e.preventDefault();
          try {
            const input: { assigneeId?: string | null; queue?: string } = {};
            if (person !== (props.conversation.assigneeId ?? '')) input.assigneeId = person || null;
            if (queue && queue !== props.conversation.queue?.key) input.queue = queue;
            if (Object.keys(input).length === 0) return props.onClose();
            await assign(props.conversation.id, input);
            const name = person ? (people.find((p) => p.id === person)?.name ?? (person === app.userId ? 'you' : 'them')) : null;
            props.onClose();
            props.onDone(name ? `Assigned to ${name}.` : input.queue ? 'Moved.' : 'Unassigned.');
          } catch (err) {
            setError(describe(err));
          }
        }}
      >
        <Field label="Person" hint={app.role === 'assistant' ? 'Colleagues granted the queue you pick.' : undefined}>
          <select id="assign-person" value={person} onChange={(e: Event) => setPerson(inputValue(e))}>
            <option value="">Nobody (leave in the queue)</option>
            <option value={app.userId} selected={person === app.userId}>
              Me
            </option>
            {colleagues.map((p) => (
              <option value={p.id} selected={person === p.id}>
                {p.name ?? p.email} ({p.presence === 'available' ? 'online' : p.presence === 'away' ? 'busy' : 'offline'}, {p.open} open)
              </option>
            ))}
          </select>
        </Field>
        <Field label="Queue">
          <select id="assign-queue" value={queue} onChange={(e: Event) => setQueue(inputValue(e))}>
            {queues.map((q) => (
              <option value={q.key} selected={queue === q.key}>
                {q.name}
              </option>
            ))}
          </select>
        </Field>
        {error ? <Notice>{error}</Notice> : null}
        <div class="actions">
          <button type="submit" class="primary">
            Assign
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function SnoozeDialog(props: { open: boolean; now: Date; onClose: () => void; onPick: (until: string) => void }) {
  const [custom, setCustom] = useState('');
  const [error, setError] = useState<string | null>(null);
  // "tomorrow 8:00" is the practice's 8:00, whatever this browser's zone
  const today = wallTime(props.now);
  const at = (h: number, addDays: number) => fromWallTime(today.year, today.month, today.day + addDays, h);
  const untilMonday = ((1 - today.weekday + 7) % 7) || 7;
  const presets: [string, Date][] = [
    ['In 1 hour', new Date(props.now.getTime() + 3600_000)],
    ['In 4 hours', new Date(props.now.getTime() + 4 * 3600_000)],
    ['Tomorrow 8:00', at(8, 1)],
    ['Monday 8:00', at(8, untilMonday)],
  ];
  useEffect(() => {
    if (props.open) {
      setCustom(wallInput(new Date(props.now.getTime() + 24 * 3600_000)));
      setError(null);
    }
  }, [props.open]);
  return (
    <Dialog id="snooze-dialog" open={props.open} title="Snooze until" onClose={props.onClose}>
      <p class="muted">A new message from the patient wakes it sooner.</p>
      <div class="presets">
        {presets.map(([label, d]) => (
          <button type="button" onClick={() => props.onPick(d.toISOString())}>
            {label} <span class="muted small">({fullTime(d.toISOString())})</span>
          </button>
        ))}
      </div>
      <form
        onSubmit={(e: Event) => {
          e.preventDefault();
          const d = parseWallInput(custom);
          if (!d || d <= props.now) return setError('Pick a time in the future.');
          props.onPick(d.toISOString());
        }}
      >
        <Field label="Or a date and time">
          <input id="snooze-until" type="datetime-local" value={custom} onInput={(e: Event) => setCustom(inputValue(e))} />
        </Field>
        {error ? <Notice>{error}</Notice> : null}
        <div class="actions">
          <button type="submit" class="primary">
            Snooze
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Closing people-only work without a reply: the server asks for a confirmation and a reason, which it audits. */
function ConfirmReasonDialog(props: { confirm: null | { message: string; retry: (c: Confirmation) => Promise<void> }; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setReason('');
    setError(null);
  }, [props.confirm]);
  return (
    <Dialog id="confirm-dialog" open={props.confirm !== null} title="This needs a person’s answer" onClose={props.onClose}>
      <p>{props.confirm?.message}</p>
      <p>If you still want to do this without replying, say why. The reason is kept in the audit log.</p>
      <form
        onSubmit={async (e: Event) => {
          e.preventDefault();
          if (!reason.trim()) return setError('Give a reason.');
          try {
            await props.confirm!.retry({ confirm: true, reason: reason.trim() });
          } catch (err) {
            setError(describe(err));
          }
        }}
      >
        <Field label="Reason">
          <textarea id="confirm-reason" rows={3} value={reason} onInput={(e: Event) => setReason(inputValue(e))} />
        </Field>
        {error ? <Notice>{error}</Notice> : null}
        <div class="actions">
          <button type="submit" class="primary">
            Confirm
          </button>
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

