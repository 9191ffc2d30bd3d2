import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { useApp } from '../../app';
import { cannedAnswers, getConversation, sendMessage, type CannedAnswer, type Channel, type Conversation, type ConversationContext, type Message } from '../../api/conversations';
import { ApiError, describe } from '../../api/http';
import { listAssistants, type Assistant } from '../../api/people';
import { clearDraft, loadDraft, saveDraft } from '../../lib/drafts';
import { channelName, fullTime } from '../../lib/format';
import { Dialog, Notice, inputValue } from '../../components/ui';
import { smsSegments } from '../../../../../templates/sms-segments';

export interface ComposeRequest {
  kind: 'reply' | 'note';
  /** a new value focuses the composer (the r and n keys) */
  nonce: number;
}

type Popup = { type: 'canned'; start: number; query: string; index: number } | { type: 'mention'; start: number; query: string; index: number } | null;

export function Composer(props: { conversation: Conversation; context: ConversationContext; request: ComposeRequest; onSent: (text: string) => void }) {
  const app = useApp();
  const c = props.conversation;
  const [kind, setKind] = useState<'reply' | 'note'>('reply');
  const [body, setBody] = useState('');
  const [channel, setChannel] = useState<Channel | ''>('');
  const [subject, setSubject] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [canned, setCanned] = useState<CannedAnswer[] | null>(null);
  const [colleagues, setColleagues] = useState<Assistant[]>([]);
  const [popup, setPopup] = useState<Popup>(null);
  const [collision, setCollision] = useState<null | { others: Message[] }>(null);
  const [restored, setRestored] = useState(false);
  /** the newest message on screen when this draft was begun */
  const [baseId, setBaseId] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const replyChannel: Channel | '' = channel || props.context.defaultReplyChannel || '';
  const lastSeen = c.messages.at(-1)?.id;

  // a saved draft comes back (after a sign-in, a reload, another conversation)
  useEffect(() => {
    const d = loadDraft(app.userId, c.id);
    setBody(d?.body ?? '');
    setKind(d?.kind ?? 'reply');
    setChannel((d?.channel as Channel | undefined) ?? '');
    setRestored(Boolean(d?.body));
    setBaseId(d?.body ? (d.baseId ?? c.messages.at(-1)?.id ?? null) : null);
    setSubject(c.subject ? (c.subject.startsWith('Re:') ? c.subject : `Re: ${c.subject}`) : '');
    setError(null);
    setPopup(null);
    setCanned(null);
  }, [c.id]);

  useEffect(() => {
    if (props.request.nonce === 0) return;
    setKind(props.request.kind);
    area.current?.focus();
  }, [props.request.nonce]);

  useEffect(() => {
    listAssistants()
      .then((r) => setColleagues(r.data.filter((a) => a.practiceIds.includes(c.practiceId))))
      .catch(() => setColleagues([]));
  }, [c.practiceId]);

  const persist = (next: { body: string; kind: 'reply' | 'note'; channel: string }, base = baseId) => {
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(() => saveDraft(app.userId, c.id, { body: next.body, kind: next.kind, channel: next.channel || undefined, baseId: base ?? undefined }), 250);
  };
  const update = (next: string) => {
    setBody(next);
    const base = next.trim() ? (baseId ?? lastSeen ?? null) : null;
    setBaseId(base);
    persist({ body: next, kind, channel }, base);
  };
  // replies by others since this draft was begun: shown at once, and the send asks to confirm
  const since = baseId ? c.messages.findIndex((m) => m.id === baseId) : -1;
  const repliedMeanwhile = since >= 0 ? c.messages.slice(since + 1).filter((m) => m.direction === 'outbound' && m.kind === 'message' && m.author.userId !== app.userId) : [];

  const loadCanned = async () => {
    if (canned) return canned;
    try {
      const r = await cannedAnswers(c.id, replyChannel && replyChannel !== 'voice' ? replyChannel : undefined);
      setCanned(r.data);
      return r.data;
    } catch (err) {
      setError(`Canned answers: ${describe(err)}`);
      return [];
    }
  };
  useEffect(() => setCanned(null), [replyChannel]);

  /** what the popup offers now */
  const options = (): { label: string; detail: string; insert: string }[] => {
    if (!popup) return [];
    const q = popup.query.toLowerCase();
    if (popup.type === 'canned') {
      const key = q.replaceAll(' ', '_');
      // the template's name first (its start, then anywhere), then its description and text
      const rank = (a: CannedAnswer) =>
        !q ? 0 : a.purpose.startsWith(key) ? 0 : a.purpose.includes(key) ? 1 : a.description.toLowerCase().includes(q) ? 2 : a.text.toLowerCase().includes(q) ? 3 : 9;
      return (canned ?? [])
        .map((a) => ({ a, r: rank(a) }))
        .filter((x) => x.r < 9)
        .sort((x, y) => x.r - y.r)
        .map((x) => x.a)
        .slice(0, 8)
        .map((a) => ({ label: a.purpose.replaceAll('_', ' '), detail: a.text, insert: a.text }));
    }
    return colleagues
      .filter((p) => (p.name ?? p.email).toLowerCase().includes(q))
      .slice(0, 8)
      .map((p) => ({ label: p.name ?? p.email, detail: p.email, insert: `@${p.name ?? p.email} ` }));
  };

  /** "/" at the start of a word opens the canned answers; "@" in a note names a colleague */
  const onInput = (e: Event) => {
    const el = e.target as HTMLTextAreaElement;
    const value = el.value;
    update(value);
    const caret = el.selectionStart ?? value.length;
    const before = value.slice(0, caret);
    const slash = /(^|\s)\/([\w -]{0,30})$/.exec(before);
    const at = /(^|\s)@([\w .'-]{0,30})$/.exec(before);
    if (slash && kind === 'reply') {
      void loadCanned();
      setPopup({ type: 'canned', start: caret - slash[2]!.length - 1, query: slash[2]!, index: 0 });
    } else if (at && kind === 'note') {
      setPopup({ type: 'mention', start: caret - at[2]!.length - 1, query: at[2]!, index: 0 });
    } else setPopup(null);
  };

  const pick = (i: number) => {
    const opt = options()[i];
    if (!opt || !popup || !area.current) return;
    const caret = area.current.selectionStart ?? body.length;
    const next = body.slice(0, popup.start) + opt.insert + body.slice(caret);
    update(next);
    setPopup(null);
    const pos = popup.start + opt.insert.length;
    requestAnimationFrame(() => {
      area.current?.focus();
      area.current?.setSelectionRange(pos, pos);
    });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send(false);
      return;
    }
    if (!popup) {
      if (e.key === 'Escape') (e.target as HTMLElement).blur();
      return;
    }
    const n = options().length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (n) setPopup({ ...popup, index: (popup.index + (e.key === 'ArrowDown' ? 1 : n - 1)) % n });
    } else if ((e.key === 'Enter' || e.key === 'Tab') && n) {
      e.preventDefault();
      pick(popup.index);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setPopup(null);
    }
  };

  const send = async (confirm: boolean) => {
    setError(null);
    if (!body.trim()) {
      setError(kind === 'note' ? 'Write the note first.' : 'Write the reply first.');
      return;
    }
    setBusy(true);
    try {
      if (kind === 'note') await sendMessage(c.id, { kind: 'note', body });
      else
        await sendMessage(c.id, {
          kind: 'reply',
          body,
          channel: replyChannel || undefined,
          subject: replyChannel === 'email' && subject ? subject : undefined,
          seenMessageId: baseId ?? lastSeen,
          confirm,
        });
      clearDraft(app.userId, c.id);
      setBody('');
      setBaseId(null);
      setRestored(false);
      setCollision(null);
      props.onSent(kind === 'note' ? 'Note added.' : 'Reply queued to send.');
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && kind === 'reply' && !confirm) {
        // someone replied meanwhile: show who and what, and keep the draft
        const fresh = await getConversation(c.id).catch(() => null);
        const base = c.messages.find((m) => m.id === (baseId ?? lastSeen));
        const seenAt = base?.createdAt ?? c.messages.at(-1)?.createdAt ?? '';
        const others = (fresh?.messages ?? []).filter((m) => m.direction === 'outbound' && m.kind === 'message' && m.createdAt > seenAt);
        setCollision({ others });
      } else setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const segments = kind === 'reply' && replyChannel === 'sms' && body ? smsSegments(body) : null;
  const opts = options();
  const unavailable = props.context.replyChannels.filter((r) => !r.available && r.channel !== 'voice');

  return (
    <section class={`composer ${kind}`} aria-label="Reply or note">
      <div class="composer-tabs" role="radiogroup" aria-label="Reply or internal note">
        <label class={kind === 'reply' ? 'on' : ''}>
          <input type="radio" name="compose-kind" value="reply" checked={kind === 'reply'} onChange={() => { setKind('reply'); setPopup(null); persist({ body, kind: 'reply', channel }); }} /> Reply to patient
        </label>
        <label class={kind === 'note' ? 'on' : ''}>
          <input type="radio" name="compose-kind" value="note" checked={kind === 'note'} onChange={() => { setKind('note'); setPopup(null); persist({ body, kind: 'note', channel }); }} /> Internal note
        </label>
        {kind === 'reply' ? (
          <label class="channel-pick">
            <span>on</span>
            <select id="reply-channel" aria-label="Reply channel" value={replyChannel} onChange={(e: Event) => { const v = inputValue(e) as Channel; setChannel(v); persist({ body, kind, channel: v }); }}>
              {props.context.replyChannels
                .filter((r) => r.channel !== 'voice')
                .map((r) => (
                  <option value={r.channel} disabled={!r.available} selected={r.channel === replyChannel}>
                    {channelName[r.channel]}
                    {r.available ? '' : ` (${r.reason})`}
                  </option>
                ))}
            </select>
          </label>
        ) : null}
      </div>
      {kind === 'reply' && replyChannel === 'email' ? (
        <label class="field">
          <span class="field-label">Subject</span>
          <input id="reply-subject" value={subject} onInput={(e: Event) => setSubject(inputValue(e))} />
        </label>
      ) : null}
      {kind === 'reply' && body && repliedMeanwhile.length ? (
        <Notice kind="info" id="replied-meanwhile">
          {repliedMeanwhile.map((m) => `${m.author.type === 'automation' ? 'An automatic reply' : (m.author.name ?? 'A colleague')} replied at ${fullTime(m.createdAt)}`).join('; ')} while you were writing. Your draft is kept.
        </Notice>
      ) : null}
      {restored ? (
        <Notice kind="info" id="draft-restored">
          Your unsent draft was restored.
        </Notice>
      ) : null}
      <div class="compose-box">
        <label class="sr-only" for="reply-body">
          {kind === 'note' ? 'Internal note (type @ to name a colleague)' : 'Reply (type / for canned answers)'}
        </label>
        <textarea
          id="reply-body"
          ref={area}
          rows={4}
          value={body}
          placeholder={kind === 'note' ? 'A note for the team, never sent. Type @ to name a colleague.' : 'Reply to the patient. Type / for a canned answer. Ctrl+Enter sends.'}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={popup && opts.length ? 'true' : 'false'}
          aria-controls="compose-options"
          aria-activedescendant={popup && opts.length ? `compose-option-${popup.index}` : undefined}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setPopup(null), 150)}
        />
        {popup ? (
          <ul id="compose-options" class="popup" role="listbox" aria-label={popup.type === 'canned' ? 'Canned answers' : 'Colleagues'}>
            {opts.length === 0 ? (
              <li class="muted" role="option" aria-disabled="true">
                {popup.type === 'canned' && canned === null ? 'Loading answers…' : 'No match'}
              </li>
            ) : (
              opts.map((o, i) => (
                <li
                  id={`compose-option-${i}`}
                  role="option"
                  aria-selected={i === popup.index ? 'true' : 'false'}
                  class={i === popup.index ? 'on' : ''}
                  onMouseDown={(e: MouseEvent) => {
                    e.preventDefault();
                    pick(i);
                  }}
                >
                  <strong>{o.label}</strong>
                  <span class="small muted">{o.detail}</span>
                </li>
              ))
            )}
          </ul>
        ) : null}
      </div>
      <div class="compose-foot">
        {segments ? (
          <span id="segments" class={`small ${segments.count > 2 ? 'warn' : 'muted'}`} aria-live="polite">
            {segments.characters} characters · {segments.count} SMS {segments.count === 1 ? 'part' : 'parts'} ({segments.encoding})
          </span>
        ) : (
          <span />
        )}
        <div class="actions">
          <button type="button" class="primary" disabled={busy} onClick={() => void send(false)} aria-keyshortcuts={kind === 'note' ? 'n' : 'r'}>
            {kind === 'note' ? 'Add note' : 'Send reply'}
          </button>
          {body ? (
            <button
              type="button"
              onClick={() => {
                update('');
                clearDraft(app.userId, c.id);
                setRestored(false);
              }}
            >
              Discard
            </button>
          ) : null}
        </div>
      </div>
      {kind === 'reply' && unavailable.length ? (
        <p class="small muted">
          Cannot reply by {unavailable.map((u) => `${channelName[u.channel]} (${u.reason})`).join(', ')}.
        </p>
      ) : null}
      {error ? <Notice>{error}</Notice> : null}
      <Dialog id="collision-dialog" open={collision !== null} title="Someone replied while you were writing" onClose={() => setCollision(null)}>
        {collision?.others.length ? (
          <ul class="collision">
            {collision.others.map((m) => (
              <li>
                <strong>{m.author.type === 'automation' ? 'An automatic reply' : (m.author.name ?? 'A colleague')}</strong> replied at {fullTime(m.createdAt)}:
                <blockquote>{m.body}</blockquote>
              </li>
            ))}
          </ul>
        ) : (
          <p>Another reply went out to this patient after the last message you saw.</p>
        )}
        <p>Your draft is kept. Send it anyway, or keep editing.</p>
        <div class="actions">
          <button type="button" class="primary" onClick={() => void send(true)}>
            Send mine anyway
          </button>
          <button
            type="button"
            onClick={() => {
              setCollision(null);
              const newest = collision?.others.at(-1)?.id ?? null;
              setBaseId(newest);
              persist({ body, kind, channel }, newest);
              props.onSent('');
              area.current?.focus();
            }}
          >
            Keep editing
          </button>
        </div>
      </Dialog>
    </section>
  );
}
