import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { useApp } from '../../app';
import { listInbox, type InboxItem, type InboxQuery, type Status } from '../../api/conversations';
import { listUnrouted, type Unrouted } from '../../api/consent';
import { describe, NotAvailableError } from '../../api/http';
import { onChange } from '../../lib/live';
import { navigate, onLinkClick } from '../../lib/router';
import { useShortcuts } from '../../lib/keys';
import { capital, channelName, fullTime, personName, shortTime, slaLeft, words } from '../../lib/format';
import { Loading, Notice, NotAvailable, inputValue } from '../../components/ui';
import { ConversationView } from './conversation-view';

interface Filters {
  status: Status | 'all';
  assignee: string;
  urgency: string;
  channel: string;
  q: string;
}

const defaultFilters: Filters = { status: 'open', assignee: '', urgency: '', channel: '', q: '' };

/** The server's clock, carried forward by this browser's: SLA time left is counted against it. */
function useServerNow(serverNow: string | null) {
  const [offset, setOffset] = useState(0);
  const [, tick] = useState(0);
  useEffect(() => {
    if (serverNow) setOffset(new Date(serverNow).getTime() - Date.now());
  }, [serverNow]);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  return new Date(Date.now() + offset);
}

export function InboxPage(props: { conversationId: string | null }) {
  const app = useApp();
  const [filters, setFilters] = useState<Filters>(defaultFilters);
  const [items, setItems] = useState<InboxItem[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [serverNow, setServerNow] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [view, setView] = useState<'inbox' | 'unrouted'>('inbox');
  const [focusIndex, setFocusIndex] = useState(0);
  const listRef = useRef<HTMLUListElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const seq = useRef(0);
  const now = useServerNow(serverNow);

  const query = (): InboxQuery => ({
    practiceId: app.practiceId || undefined,
    status: filters.status,
    // "mentioning me" is a filter of its own on the server, offered in the same menu
    assignee: filters.assignee && filters.assignee !== 'mentions' ? filters.assignee : undefined,
    mentions: filters.assignee === 'mentions' ? 'me' : undefined,
    urgency: (filters.urgency || undefined) as InboxQuery['urgency'],
    channel: (filters.channel || undefined) as InboxQuery['channel'],
    q: filters.q.trim().length >= 2 ? filters.q.trim() : undefined,
    limit: 50,
  });

  const load = async () => {
    const mine = ++seq.current;
    try {
      const page = await listInbox(query());
      if (mine !== seq.current) return;
      setItems(page.data);
      setCursor(page.nextCursor);
      setServerNow(page.now);
      setError(null);
    } catch (err) {
      if (mine === seq.current) setError(describe(err));
    }
  };

  const more = async () => {
    if (!cursor) return;
    const page = await listInbox({ ...query(), cursor });
    setItems((prev) => [...(prev ?? []), ...page.data.filter((d) => !(prev ?? []).some((p) => p.id === d.id))]);
    setCursor(page.nextCursor);
  };

  useEffect(() => {
    const t = setTimeout(() => void load(), filters.q ? 250 : 0);
    return () => clearTimeout(t);
  }, [filters.status, filters.assignee, filters.urgency, filters.channel, filters.q, app.practiceId]);

  // a live change refreshes the list (a burst of changes, once)
  useEffect(() => {
    let t: ReturnType<typeof setTimeout> | null = null;
    const off = onChange(() => {
      if (t) clearTimeout(t);
      t = setTimeout(() => void load(), 150);
    });
    return () => {
      off();
      if (t) clearTimeout(t);
    };
  }, [filters, app.practiceId]);

  const rows = () => [...(listRef.current?.querySelectorAll<HTMLAnchorElement>('a.row') ?? [])];
  const focusRow = (i: number) => {
    const list = rows();
    if (list.length === 0) return;
    const at = Math.max(0, Math.min(list.length - 1, i));
    setFocusIndex(at);
    list[at]!.focus();
  };
  const currentIndex = () => {
    const list = rows();
    const active = list.indexOf(document.activeElement as HTMLAnchorElement);
    return active >= 0 ? active : focusIndex;
  };

  useShortcuts('inbox', [
    { key: 'j', label: 'Next conversation in the list', run: () => focusRow(rows().indexOf(document.activeElement as HTMLAnchorElement) < 0 ? focusIndex : currentIndex() + 1) },
    { key: 'k', label: 'Previous conversation in the list', run: () => focusRow(currentIndex() - 1) },
    {
      key: 'Enter',
      label: 'Open the conversation picked in the list',
      run: () => {
        const row = rows()[currentIndex()];
        if (row) navigate(new URL(row.href).pathname);
      },
    },
    { key: '/', label: 'Search the inbox', run: () => searchRef.current?.focus() },
  ]);

  const set = (patch: Partial<Filters>) => setFilters({ ...filters, ...patch });
  const open = props.conversationId;

  return (
    <div class={`inbox ${open ? 'has-open' : ''}`}>
      <section class="list-pane" aria-label="Conversations">
        <div class="filters" role="search">
          <label class="sr-only" for="search">
            Search the inbox
          </label>
          <input
            id="search"
            ref={searchRef}
            type="search"
            placeholder="Search: words, name, phone, email (/)"
            value={filters.q}
            onInput={(e: Event) => set({ q: inputValue(e) })}
            onKeyDown={(e: KeyboardEvent) => {
              if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
              if (e.key === 'Enter' || e.key === 'ArrowDown') {
                e.preventDefault();
                focusRow(0);
              }
            }}
          />
          <div class="filter-row">
            <select id="status" aria-label="Status" value={filters.status} onChange={(e: Event) => set({ status: inputValue(e) as Filters['status'] })}>
              {(['open', 'pending', 'snoozed', 'resolved', 'all'] as const).map((s) => (
                <option value={s} selected={filters.status === s}>
                  {s === 'pending' ? 'Waiting on patient' : capital(s)}
                </option>
              ))}
            </select>
            <select id="assignee" aria-label="Assignee" value={filters.assignee} onChange={(e: Event) => set({ assignee: inputValue(e) })}>
              <option value="">Anyone</option>
              <option value="me">Mine</option>
              <option value="none">Unassigned</option>
              <option value="mentions">Mentioning me</option>
            </select>
            <select id="urgency" aria-label="Urgency" value={filters.urgency} onChange={(e: Event) => set({ urgency: inputValue(e) })}>
              <option value="">Any urgency</option>
              <option value="emergency">Emergency</option>
              <option value="urgent">Urgent</option>
              <option value="routine">Routine</option>
            </select>
            <select id="channel" aria-label="Channel" value={filters.channel} onChange={(e: Event) => set({ channel: inputValue(e) })}>
              <option value="">Any channel</option>
              {Object.entries(channelName).map(([k, v]) => (
                <option value={k}>{v}</option>
              ))}
            </select>
          </div>
          {app.role === 'admin' ? (
            <div class="tabs" role="group" aria-label="Inbox or unrouted messages">
              <button type="button" aria-pressed={view === 'inbox' ? 'true' : 'false'} onClick={() => setView('inbox')}>
                Inbox
              </button>
              <button type="button" aria-pressed={view === 'unrouted' ? 'true' : 'false'} onClick={() => setView('unrouted')}>
                Unrouted
              </button>
            </div>
          ) : null}
        </div>
        {view === 'unrouted' ? (
          <UnroutedList />
        ) : error ? (
          <Notice>{error}</Notice>
        ) : items === null ? (
          <Loading />
        ) : (
          <>
            <p class="sr-only" role="status" aria-live="polite">
              {items.length} conversations
            </p>
            <ul id="conversations" ref={listRef} class="conversations">
              {items.map((c, i) => (
                <ConversationRow item={c} now={now} active={c.id === open} onFocus={() => setFocusIndex(i)} />
              ))}
            </ul>
            {items.length === 0 ? (
              <p id="empty" class="muted pad">
                Nothing here. {filters.status === 'open' ? 'Every open conversation is answered.' : ''}
              </p>
            ) : null}
            {cursor ? (
              <button type="button" class="more" onClick={() => void more()}>
                Load more
              </button>
            ) : null}
          </>
        )}
      </section>
      <section class="detail-pane" aria-label="Conversation">
        {open ? (
          <ConversationView id={open} now={now} onChanged={() => void load()} />
        ) : (
          <div class="placeholder muted">
            <p>Pick a conversation. Keys: j and k move, Enter opens, ? shows them all.</p>
          </div>
        )}
      </section>
    </div>
  );
}

function ConversationRow(props: { item: InboxItem; now: Date; active: boolean; onFocus: () => void }) {
  const c = props.item;
  const sla = c.status === 'open' ? slaLeft(c.slaDueAt, props.now) : null;
  const urgency = c.urgency && c.urgency !== 'routine' ? c.urgency : null;
  return (
    <li class={`${props.active ? 'active' : ''} ${urgency ?? ''}`}>
      <a class="row" href={`/inbox/c/${c.id}`} data-id={c.id} aria-current={props.active ? 'true' : undefined} onClick={onLinkClick} onFocus={props.onFocus}>
        <span class="row-top">
          <span class="who">{personName(c.patient)}</span>
          {urgency ? <span class={`badge ${urgency}`}>{capital(urgency)}</span> : null}
          {c.needsHuman && !urgency ? <span class="badge person">Needs a person</span> : null}
          <time class="when" datetime={c.previewAt ?? c.lastMessageAt} title={fullTime(c.previewAt ?? c.lastMessageAt)}>
            {shortTime(c.previewAt ?? c.lastMessageAt, props.now)}
          </time>
        </span>
        {c.redFlags.length ? (
          <span class="flags">
            {c.redFlags.map((f) => (
              <span class="badge flag">{words(f)}</span>
            ))}
          </span>
        ) : null}
        <span class="preview">{c.preview ?? (c.subject || 'No text')}</span>
        <span class="meta">
          <span>{channelName[c.channel]}</span>
          {c.queue ? <span>{c.queue.name}</span> : <span>Not routed yet</span>}
          <span class={c.assignee ? '' : 'unassigned'}>{c.assignee ? (c.assignee.name ?? c.assignee.email) : 'Unassigned'}</span>
          {sla ? <span class={`sla ${sla.breached ? 'breached' : sla.soon ? 'soon' : ''}`}>{sla.text}</span> : null}
          {c.status !== 'open' ? <span>{c.status === 'pending' ? 'Waiting on patient' : capital(c.status)}</span> : null}
        </span>
      </a>
    </li>
  );
}

/** Admins: messages to a number or address no practice owns (safety API). */
function UnroutedList() {
  const [state, setState] = useState<{ items?: Unrouted[]; error?: unknown }>({});
  useEffect(() => {
    listUnrouted()
      .then((r) => setState({ items: r.data }))
      .catch((error) => setState({ error }));
  }, []);
  if (state.error instanceof NotAvailableError) return <NotAvailable what="The unrouted holding area" detail="Messages to numbers no practice owns will be listed here." />;
  if (state.error) return <Notice>{describe(state.error)}</Notice>;
  if (!state.items) return <Loading />;
  if (state.items.length === 0) return <p class="muted pad">No unrouted messages.</p>;
  return (
    <ul class="conversations">
      {state.items.map((m) => (
        <li>
          <div class="row">
            <span class="row-top">
              <span class="who">{m.from}</span>
              <span class="when">{fullTime(m.receivedAt ?? m.createdAt ?? null)}</span>
            </span>
            <span class="preview">{m.body}</span>
            <span class="meta">
              <span>{channelName[m.channel] ?? m.channel}</span>
              <span>to {m.to}</span>
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}
