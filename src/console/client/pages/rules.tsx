import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { dryRun, liveRules, restoreRules, ruleVersions, saveRules, type Action, type Condition, type DryRun, type Rule, type RulesVersion } from '../api/rules';
import { listQueues, type Queue } from '../api/practices';
import { listAssistants, type Assistant } from '../api/people';
import { listTemplates } from '../api/templates';
import { describe } from '../api/http';
import { addDays, fullTime, localDate, words } from '../lib/format';
import { ErrorView, Field, Loading, Notice, PageHeader, inputChecked, inputValue } from '../components/ui';
import { channels, intents, urgencies } from '../../../../triage/types';

/*
 * The rules editor: each rule as a form (conditions and actions as fields), ordered by drag or
 * by buttons, with the JSON as an advanced view; the dry run beside it tries the draft on past
 * messages before it is saved as a new version.
 */

const conditionTypes: Record<string, { label: string; make: () => Condition }> = {
  intent: { label: 'Intent is one of', make: () => ({ type: 'intent', in: ['general_question'] }) },
  urgency: { label: 'Urgency is one of', make: () => ({ type: 'urgency', in: ['routine'] }) },
  channel: { label: 'Channel is one of', make: () => ({ type: 'channel', in: ['sms'] }) },
  language: { label: 'Language is one of', make: () => ({ type: 'language', in: ['en'] }) },
  keywords: { label: 'Message has any of the words', make: () => ({ type: 'keywords', any: ['hours'] }) },
  regex: { label: 'Message matches the pattern', make: () => ({ type: 'regex', pattern: '^thanks$' }) },
  confidence: { label: 'Triage confidence', make: () => ({ type: 'confidence', op: 'below', value: 0.6 }) },
  entity: { label: 'Triage found', make: () => ({ type: 'entity', entity: 'medications' }) },
  business_hours: { label: 'Arrives', make: () => ({ type: 'business_hours', within: false }) },
  patient_new: { label: 'Patient is new', make: () => ({ type: 'patient_new', value: true }) },
  patient_tag: { label: 'Patient has the tag', make: () => ({ type: 'patient_tag', tag: 'vip' }) },
  on_call_line: { label: 'Came in on the on-call line', make: () => ({ type: 'on_call_line', value: true }) },
};

const actionTypes: Record<string, { label: string; make: () => Action }> = {
  assign_queue: { label: 'Put in the queue', make: () => ({ type: 'assign_queue', queue: 'general' }) },
  assign_assistant: { label: 'Assign to', make: () => ({ type: 'assign_assistant', assistant: '' }) },
  reply_template: { label: 'Answer with the template', make: () => ({ type: 'reply_template', template: 'hours' }) },
  add_tag: { label: 'Tag the conversation', make: () => ({ type: 'add_tag', tag: 'follow_up' }) },
  set_priority: { label: 'Set the priority', make: () => ({ type: 'set_priority', priority: 10 }) },
  set_sla: { label: 'Set the SLA', make: () => ({ type: 'set_sla', firstResponseMinutes: 60 }) },
  snooze: { label: 'Snooze', make: () => ({ type: 'snooze', untilLocalTime: '08:00' }) },
  resolve: { label: 'Resolve (never what needs a person)', make: () => ({ type: 'resolve' }) },
  notify: { label: 'Notify', make: () => ({ type: 'notify', channel: 'sms', to: 'on_call' }) },
  stop: { label: 'Stop (no further rules)', make: () => ({ type: 'stop' }) },
};

const entityKinds = ['dates', 'medications', 'pharmacy', 'dateOfBirth', 'callbackNumber'];

interface Refs {
  queues: Queue[];
  assistants: Assistant[];
  templates: string[];
}

let seq = 0;
const newRule = (): Rule => ({ id: `rule-${Date.now().toString(36)}-${++seq}`, name: 'New rule', enabled: true, match: 'all', conditions: [], actions: [{ type: 'assign_queue', queue: 'general' }] });

export function RulesPage() {
  const app = useApp();
  const practiceId = app.onePracticeId;
  const [live, setLive] = useState<RulesVersion | null>(null);
  const [draft, setDraft] = useState<Rule[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const [refs, setRefs] = useState<Refs>({ queues: [], assistants: [], templates: [] });
  const [json, setJson] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [dragging, setDragging] = useState<number | null>(null);
  const [versions, setVersions] = useState<{ version: number; note: string | null; createdAt: string; rules: number }[]>([]);

  const load = async () => {
    setError(null);
    try {
      const [l, v] = await Promise.all([liveRules(practiceId), ruleVersions(practiceId)]);
      setLive(l);
      setDraft(structuredClone(l.rules));
      setVersions(v.data);
      setJson(null);
    } catch (err) {
      setError(err);
    }
  };

  useEffect(() => {
    if (!practiceId) return;
    void load();
    Promise.all([listQueues(practiceId), listAssistants(), listTemplates(practiceId)])
      .then(([q, a, t]) =>
        setRefs({
          queues: q.data,
          assistants: a.data.filter((x) => x.practiceIds.includes(practiceId)),
          templates: [...new Set(t.data.filter((x) => x.audience === 'patient').map((x) => x.purpose))],
        }),
      )
      .catch(() => {});
  }, [practiceId]);

  if (!practiceId) return <Notice>No practice to edit.</Notice>;
  if (error) return <ErrorView error={error} what="Rules" />;
  if (!live) return <Loading />;

  const changeRule = (i: number, next: Rule) => setDraft(draft.map((r, j) => (j === i ? next : r)));
  const move = (from: number, to: number) => {
    if (to < 0 || to >= draft.length || from === to) return;
    const next = [...draft];
    const [r] = next.splice(from, 1);
    next.splice(to, 0, r!);
    setDraft(next);
  };
  const dirty = JSON.stringify(draft) !== JSON.stringify(live.rules);

  return (
    <div class="rules-page">
      <PageHeader title="Routing rules">
        <span id="rules-version" class="muted">
          Live: version {live.version}
          {live.note ? ` (${live.note})` : ''}
          {live.createdAt ? `, ${fullTime(live.createdAt)}` : ''}
        </span>
      </PageHeader>
      <p class="muted">
        Rules run in order on each message after triage. Safety comes first and no rule changes it: emergencies and urgent messages go to the urgent queue with their standard answer, and
        nothing that needs a person is closed or answered by a rule alone.
        {app.practices.length > 1 ? ` Practice: ${app.practiceName(practiceId)}.` : ''}
      </p>
      <div class="rules-layout">
        <section class="rules-editor" aria-label="Draft rules">
          <ol class="rule-list">
            {draft.map((r, i) => (
              <li
                class={`rule-card ${dragging === i ? 'dragging' : ''} ${r.enabled ? '' : 'disabled'}`}
                draggable="true"
                onDragStart={(e: DragEvent) => {
                  setDragging(i);
                  e.dataTransfer?.setData('text/plain', String(i));
                }}
                onDragOver={(e: DragEvent) => e.preventDefault()}
                onDrop={(e: DragEvent) => {
                  e.preventDefault();
                  const from = Number(e.dataTransfer?.getData('text/plain'));
                  if (!Number.isNaN(from)) move(from, i);
                  setDragging(null);
                }}
                onDragEnd={() => setDragging(null)}
              >
                <RuleForm
                  rule={r}
                  index={i}
                  count={draft.length}
                  refs={refs}
                  onChange={(next) => changeRule(i, next)}
                  onMove={(to) => move(i, to)}
                  onRemove={() => setDraft(draft.filter((_, j) => j !== i))}
                />
              </li>
            ))}
          </ol>
          <div class="actions">
            <button type="button" id="add-rule" onClick={() => setDraft([...draft, newRule()])}>
              Add a rule
            </button>
            <button type="button" onClick={() => setDraft(structuredClone(live.rules))} disabled={!dirty}>
              Undo changes
            </button>
          </div>
          <details
            class="advanced"
            onToggle={(e: Event) => {
              if ((e.target as HTMLDetailsElement).open) setJson(JSON.stringify(draft, null, 2));
            }}
          >
            <summary>Advanced: the draft as JSON</summary>
            <textarea id="rules-json" rows={16} spellcheck={false} aria-label="Draft rules as JSON" value={json ?? ''} onInput={(e: Event) => setJson(inputValue(e))} />
            <button
              type="button"
              onClick={() => {
                try {
                  const parsed = JSON.parse(json ?? '[]') as Rule[];
                  if (!Array.isArray(parsed)) throw new Error('the JSON must be a list of rules');
                  setDraft(parsed);
                  setNotice({ kind: 'ok', text: 'The JSON is now the draft.' });
                } catch (err) {
                  setNotice({ kind: 'error', text: `The JSON is not valid: ${(err as Error).message}` });
                }
              }}
            >
              Use this JSON as the draft
            </button>
          </details>
          <form
            class="save-row"
            onSubmit={async (e: Event) => {
              e.preventDefault();
              setNotice(null);
              try {
                const saved = await saveRules(practiceId, draft, note || 'saved in the console');
                setLive(saved);
                setDraft(structuredClone(saved.rules));
                setNote('');
                setVersions((await ruleVersions(practiceId)).data);
                setNotice({ kind: 'ok', text: `Saved as version ${saved.version}.` });
              } catch (err) {
                setNotice({ kind: 'error', text: describe(err) });
              }
            }}
          >
            <Field label="What changed (kept with the version)">
              <input id="rules-note" value={note} onInput={(e: Event) => setNote(inputValue(e))} />
            </Field>
            <button type="submit" id="rules-save" class="primary">
              Save as new version
            </button>
          </form>
          {notice ? (
            <Notice kind={notice.kind} id="rules-notice">
              {notice.text}
            </Notice>
          ) : null}
          <Versions versions={versions} live={live.version} onRestore={async (v) => {
            try {
              const restored = await restoreRules(practiceId, v);
              setLive(restored);
              setDraft(structuredClone(restored.rules));
              setVersions((await ruleVersions(practiceId)).data);
              setNotice({ kind: 'ok', text: `Version ${v} restored as version ${restored.version}.` });
            } catch (err) {
              setNotice({ kind: 'error', text: describe(err) });
            }
          }} />
        </section>
        <DryRunPanel practiceId={practiceId} draft={draft} />
      </div>
    </div>
  );
}

function Versions(props: { versions: { version: number; note: string | null; createdAt: string; rules: number }[]; live: number; onRestore: (v: number) => void }) {
  if (props.versions.length < 2) return null;
  return (
    <details class="versions">
      <summary>Earlier versions</summary>
      <ul class="plain">
        {props.versions
          .filter((v) => v.version !== props.live)
          .map((v) => (
            <li>
              Version {v.version}, {fullTime(v.createdAt)}: {v.note ?? ''} ({v.rules} rules){' '}
              <button type="button" class="small-button" onClick={() => props.onRestore(v.version)}>
                Restore
              </button>
            </li>
          ))}
      </ul>
    </details>
  );
}

function RuleForm(props: { rule: Rule; index: number; count: number; refs: Refs; onChange: (r: Rule) => void; onMove: (to: number) => void; onRemove: () => void }) {
  const r = props.rule;
  const id = `rule-${props.index}`;
  const set = (patch: Partial<Rule>) => props.onChange({ ...r, ...patch });
  return (
    <fieldset class="rule" aria-labelledby={`${id}-legend`}>
      <legend id={`${id}-legend`}>
        <span class="rule-number">{props.index + 1}.</span> {r.name}
      </legend>
      <div class="rule-head">
        <Field label="Name">
          <input class="rule-name" value={r.name} onInput={(e: Event) => set({ name: inputValue(e) })} />
        </Field>
        <label class="check">
          <input type="checkbox" checked={r.enabled} onChange={(e: Event) => set({ enabled: inputChecked(e) })} /> On
        </label>
        <div class="order" role="group" aria-label={`Order of rule ${props.index + 1}`}>
          <button type="button" class="small-button" disabled={props.index === 0} onClick={() => props.onMove(props.index - 1)} aria-label={`Move rule ${props.index + 1} up`}>
            ↑
          </button>
          <button type="button" class="small-button" disabled={props.index === props.count - 1} onClick={() => props.onMove(props.index + 1)} aria-label={`Move rule ${props.index + 1} down`}>
            ↓
          </button>
          <button type="button" class="small-button danger" onClick={props.onRemove} aria-label={`Delete rule ${props.index + 1}`}>
            Delete
          </button>
        </div>
      </div>
      <div class="rule-part">
        <h3>
          When{' '}
          <select aria-label="Match" value={r.match} onChange={(e: Event) => set({ match: inputValue(e) as Rule['match'] })}>
            <option value="all" selected={r.match === 'all'}>
              all
            </option>
            <option value="any" selected={r.match === 'any'}>
              any
            </option>
          </select>{' '}
          of these hold {r.conditions.length === 0 ? <span class="muted">(no conditions: every message)</span> : null}
        </h3>
        <ul class="parts">
          {r.conditions.map((c, i) => (
            <li>
              <ConditionEditor
                condition={c}
                onChange={(next) => set({ conditions: r.conditions.map((x, j) => (j === i ? next : x)) })}
                onRemove={() => set({ conditions: r.conditions.filter((_, j) => j !== i) })}
              />
            </li>
          ))}
        </ul>
        <AddPart label="Add a condition" types={conditionTypes} onAdd={(t) => set({ conditions: [...r.conditions, conditionTypes[t]!.make()] })} />
      </div>
      <div class="rule-part">
        <h3>Then</h3>
        <ul class="parts">
          {r.actions.map((a, i) => (
            <li>
              <ActionEditor
                action={a}
                refs={props.refs}
                onChange={(next) => set({ actions: r.actions.map((x, j) => (j === i ? next : x)) })}
                onRemove={() => set({ actions: r.actions.filter((_, j) => j !== i) })}
              />
            </li>
          ))}
        </ul>
        <AddPart label="Add an action" types={actionTypes} onAdd={(t) => set({ actions: [...r.actions, actionTypes[t]!.make()] })} />
      </div>
    </fieldset>
  );
}

function AddPart(props: { label: string; types: Record<string, { label: string }>; onAdd: (type: string) => void }) {
  return (
    <select
      class="add-part"
      aria-label={props.label}
      onChange={(e: Event) => {
        const el = e.target as HTMLSelectElement;
        if (el.value) props.onAdd(el.value);
        el.value = '';
      }}
    >
      <option value="">{props.label}…</option>
      {Object.entries(props.types).map(([k, v]) => (
        <option value={k}>{v.label}</option>
      ))}
    </select>
  );
}

function Checks(props: { name: string; options: readonly string[]; value: string[]; onChange: (v: string[]) => void }) {
  return (
    <span class="checks" role="group" aria-label={props.name}>
      {props.options.map((o) => (
        <label class="check">
          <input
            type="checkbox"
            checked={props.value.includes(o)}
            onChange={(e: Event) => props.onChange(inputChecked(e) ? [...props.value, o] : props.value.filter((x) => x !== o))}
          />{' '}
          {words(o)}
        </label>
      ))}
    </span>
  );
}

function ConditionEditor(props: { condition: Condition; onChange: (c: Condition) => void; onRemove: () => void }) {
  const c = props.condition;
  const set = (patch: Record<string, unknown>) => props.onChange({ ...c, ...patch });
  const list = (c.in as string[] | undefined) ?? [];
  let fields;
  switch (c.type) {
    case 'intent':
      fields = <Checks name="Intents" options={intents} value={list} onChange={(v) => set({ in: v })} />;
      break;
    case 'urgency':
      fields = <Checks name="Urgencies" options={urgencies} value={list} onChange={(v) => set({ in: v })} />;
      break;
    case 'channel':
      fields = <Checks name="Channels" options={channels} value={list} onChange={(v) => set({ in: v })} />;
      break;
    case 'language':
      fields = <Checks name="Languages" options={['en', 'es']} value={list} onChange={(v) => set({ in: v })} />;
      break;
    case 'keywords':
      fields = (
        <input
          aria-label="Words or phrases, separated by commas (a trailing * matches a prefix)"
          value={((c.any as string[]) ?? []).join(', ')}
          onChange={(e: Event) => set({ any: inputValue(e).split(',').map((s) => s.trim()).filter(Boolean) })}
        />
      );
      break;
    case 'regex':
      fields = <input aria-label="Pattern" class="mono" value={String(c.pattern ?? '')} onInput={(e: Event) => set({ pattern: inputValue(e) })} />;
      break;
    case 'confidence':
      fields = (
        <>
          <select aria-label="Below or above" value={String(c.op)} onChange={(e: Event) => set({ op: inputValue(e) })}>
            <option value="below" selected={c.op === 'below'}>
              below
            </option>
            <option value="above" selected={c.op === 'above'}>
              above
            </option>
          </select>
          <input aria-label="Confidence from 0 to 1" type="number" min="0" max="1" step="0.05" value={String(c.value ?? 0.6)} onInput={(e: Event) => set({ value: Number(inputValue(e)) })} />
        </>
      );
      break;
    case 'entity':
      fields = (
        <select aria-label="Entity" value={String(c.entity)} onChange={(e: Event) => set({ entity: inputValue(e) })}>
          {entityKinds.map((k) => (
            <option value={k} selected={c.entity === k}>
              {words(k)}
            </option>
          ))}
        </select>
      );
      break;
    case 'business_hours':
      fields = (
        <select aria-label="Within or outside business hours" value={c.within ? 'in' : 'out'} onChange={(e: Event) => set({ within: inputValue(e) === 'in' })}>
          <option value="in" selected={Boolean(c.within)}>
            within business hours
          </option>
          <option value="out" selected={!c.within}>
            outside business hours
          </option>
        </select>
      );
      break;
    case 'patient_new':
    case 'on_call_line':
      fields = (
        <select aria-label="Yes or no" value={c.value ? 'yes' : 'no'} onChange={(e: Event) => set({ value: inputValue(e) === 'yes' })}>
          <option value="yes" selected={Boolean(c.value)}>
            yes
          </option>
          <option value="no" selected={!c.value}>
            no
          </option>
        </select>
      );
      break;
    case 'patient_tag':
      fields = <input aria-label="Tag" value={String(c.tag ?? '')} onInput={(e: Event) => set({ tag: inputValue(e) })} />;
      break;
    default:
      fields = <code>{JSON.stringify(c)}</code>;
  }
  return (
    <div class="part condition">
      <label class="check not">
        <input type="checkbox" checked={Boolean(c.not)} onChange={(e: Event) => set({ not: inputChecked(e) || undefined })} /> not
      </label>
      <select aria-label="Condition" class="part-type" value={c.type} onChange={(e: Event) => props.onChange(conditionTypes[inputValue(e)]!.make())}>
        {Object.entries(conditionTypes).map(([k, v]) => (
          <option value={k} selected={k === c.type}>
            {v.label}
          </option>
        ))}
      </select>
      <span class="part-fields">{fields}</span>
      <button type="button" class="small-button" onClick={props.onRemove} aria-label="Remove this condition">
        ✕
      </button>
    </div>
  );
}

function ActionEditor(props: { action: Action; refs: Refs; onChange: (a: Action) => void; onRemove: () => void }) {
  const a = props.action;
  const set = (patch: Record<string, unknown>) => props.onChange({ ...a, ...patch });
  const num = (key: string, label: string, min: number, max: number) => (
    <input
      aria-label={label}
      type="number"
      min={String(min)}
      max={String(max)}
      value={a[key] === undefined ? '' : String(a[key])}
      placeholder={label}
      onInput={(e: Event) => set({ [key]: inputValue(e) === '' ? undefined : Number(inputValue(e)) })}
    />
  );
  let fields;
  switch (a.type) {
    case 'assign_queue':
      fields = (
        <select aria-label="Queue" value={String(a.queue)} onChange={(e: Event) => set({ queue: inputValue(e) })}>
          {props.refs.queues.length ? null : <option value={String(a.queue)}>{String(a.queue)}</option>}
          {props.refs.queues.map((q) => (
            <option value={q.key} selected={q.key === a.queue}>
              {q.name}
            </option>
          ))}
        </select>
      );
      break;
    case 'assign_assistant':
      fields = (
        <select aria-label="Assistant" value={String(a.assistant)} onChange={(e: Event) => set({ assistant: inputValue(e) })}>
          <option value="">Pick a person</option>
          {props.refs.assistants.map((p) => (
            <option value={p.email} selected={p.email === a.assistant || p.id === a.assistant}>
              {p.name ?? p.email}
            </option>
          ))}
        </select>
      );
      break;
    case 'reply_template':
      fields = (
        <select aria-label="Template" value={String(a.template)} onChange={(e: Event) => set({ template: inputValue(e) })}>
          {(props.refs.templates.length ? props.refs.templates : [String(a.template)]).map((t) => (
            <option value={t} selected={t === a.template}>
              {words(t)}
            </option>
          ))}
        </select>
      );
      break;
    case 'add_tag':
      fields = <input aria-label="Tag" value={String(a.tag ?? '')} onInput={(e: Event) => set({ tag: inputValue(e) })} />;
      break;
    case 'set_priority':
      fields = num('priority', 'Priority 0 to 99 (higher first)', 0, 99);
      break;
    case 'set_sla':
      fields = (
        <>
          {num('firstResponseMinutes', 'First response, minutes', 1, 43200)}
          {num('resolutionMinutes', 'Resolution, minutes', 1, 43200)}
        </>
      );
      break;
    case 'snooze':
      fields = (
        <>
          <input
            aria-label="Until local time (HH:MM)"
            type="time"
            value={String(a.untilLocalTime ?? '')}
            onInput={(e: Event) => props.onChange({ type: 'snooze', ...(inputValue(e) ? { untilLocalTime: inputValue(e) } : { minutes: 60 }) })}
          />
          <span class="muted small">or</span>
          <input
            aria-label="For minutes"
            type="number"
            min="1"
            value={a.minutes === undefined ? '' : String(a.minutes)}
            onInput={(e: Event) => props.onChange({ type: 'snooze', ...(inputValue(e) ? { minutes: Number(inputValue(e)) } : { untilLocalTime: '08:00' }) })}
          />
        </>
      );
      break;
    case 'notify':
      fields = (
        <>
          <select aria-label="By" value={String(a.channel)} onChange={(e: Event) => set({ channel: inputValue(e) })}>
            <option value="sms" selected={a.channel === 'sms'}>
              text
            </option>
            <option value="email" selected={a.channel === 'email'}>
              email
            </option>
          </select>
          <input aria-label="To: a number, an email address, or on_call" value={String(a.to ?? '')} onInput={(e: Event) => set({ to: inputValue(e) })} />
        </>
      );
      break;
    default:
      fields = null;
  }
  return (
    <div class="part action">
      <select aria-label="Action" class="part-type" value={a.type} onChange={(e: Event) => props.onChange(actionTypes[inputValue(e)]!.make())}>
        {Object.entries(actionTypes).map(([k, v]) => (
          <option value={k} selected={k === a.type}>
            {v.label}
          </option>
        ))}
      </select>
      <span class="part-fields">{fields}</span>
      <button type="button" class="small-button" onClick={props.onRemove} aria-label="Remove this action">
        ✕
      </button>
    </div>
  );
}

function DryRunPanel(props: { practiceId: string; draft: Rule[] }) {
  const [from, setFrom] = useState(addDays(localDate(), -30));
  const [to, setTo] = useState(localDate());
  const [result, setResult] = useState<DryRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section class="dry-run" aria-labelledby="dry-run-title">
      <h2 id="dry-run-title">Dry run</h2>
      <p class="muted small">What past messages would get under the draft, compared with the live rules. Nothing is sent or changed.</p>
      <form
        onSubmit={async (e: Event) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            setResult(await dryRun(props.practiceId, props.draft, new Date(`${from}T00:00:00`).toISOString(), new Date(`${to}T23:59:59`).toISOString()));
          } catch (err) {
            setResult(null);
            setError(describe(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="inline-fields">
          <Field label="From">
            <input id="sim-from" type="date" value={from} onInput={(e: Event) => setFrom(inputValue(e))} />
          </Field>
          <Field label="To">
            <input id="sim-to" type="date" value={to} onInput={(e: Event) => setTo(inputValue(e))} />
          </Field>
        </div>
        <button type="submit" id="sim-run" class="primary" disabled={busy}>
          {busy ? 'Trying…' : 'Try the draft on past messages'}
        </button>
      </form>
      {error ? <Notice id="sim-error">{error}</Notice> : null}
      {result ? (
        <div id="sim-result" role="status">
          <p>
            {result.total} messages; <strong>{result.changed.length}</strong> would be handled differently
            {result.truncated ? ' (the first messages only)' : ''}.
          </p>
          <table id="sim-counts">
            <caption class="sr-only">Actions under the live rules and the draft</caption>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Live (v{result.liveVersion})</th>
                <th scope="col">Draft</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(result.counts)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([k, v]) => (
                  <tr class={v.live !== v.draft ? 'changed' : ''}>
                    <th scope="row">{words(k)}</th>
                    <td>{v.live}</td>
                    <td>{v.draft}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          {result.changed.length ? (
            <ul id="sim-changed" class="plain small">
              {result.changed.slice(0, 50).map((c) => (
                <li>
                  <span class="muted">
                    {fullTime(c.createdAt)}, {words(c.intent)}, {c.urgency}:
                  </span>{' '}
                  “{c.preview}” — {c.differences.join('; ')}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
