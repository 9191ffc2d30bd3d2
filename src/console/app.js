// The console: a plain module over the same REST API programs use, with the session cookie.
const state = { practiceId: '', status: 'open', urgency: '', assignee: '', q: '', cursor: null, selected: null, csrf: null, me: null };
const $ = (id) => document.getElementById(id);

async function api(path, init = {}) {
  const headers = { accept: 'application/json', ...(init.headers || {}) };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.method && init.method !== 'GET') headers['x-csrf-token'] = state.csrf || '';
  const res = await fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (res.status === 401) {
    location.href = '/login';
    throw new Error('signed out');
  }
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) {
    const err = new Error(body?.error?.message || `request failed (${res.status})`);
    err.status = res.status;
    err.code = body?.error?.code;
    throw err;
  }
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

const fmt = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const name = (p) => [p.firstName, p.lastName].filter(Boolean).join(' ') || 'Unknown patient';

async function loadConversations(append = false) {
  const q = new URLSearchParams({ status: state.status, limit: '30' });
  if (state.practiceId) q.set('practiceId', state.practiceId);
  if (state.urgency) q.set('urgency', state.urgency);
  if (state.assignee) q.set('assignee', state.assignee);
  if (state.q.length >= 2) q.set('q', state.q);
  if (append && state.cursor) q.set('cursor', state.cursor);
  const page = await api(`/api/v1/conversations?${q}`);
  const list = $('conversations');
  if (!append) list.replaceChildren();
  for (const c of page.data) {
    list.append(
      el('li', { 'data-id': c.id, class: c.id === state.selected ? 'active' : undefined, onclick: () => openConversation(c.id) },
        el('div', { class: 'who' }, name(c.patient)),
        el('div', {}, c.preview ?? ''),
        el('div', { class: 'meta' },
          el('span', {}, c.channel),
          c.urgency && c.urgency !== 'routine' ? el('span', { class: `badge ${c.urgency}` }, c.urgency) : null,
          c.needsHuman ? el('span', { class: 'badge' }, 'needs a person') : null,
          c.intent ? el('span', { class: 'badge' }, c.intent.replaceAll('_', ' ')) : null,
          c.queue ? el('span', {}, c.queue.name) : null,
          el('span', {}, fmt(c.lastMessageAt)))));
  }
  state.cursor = page.nextCursor;
  $('more').hidden = !page.nextCursor;
  $('empty').hidden = list.children.length > 0;
}

function notice(text, kind = 'error') {
  const n = $('notice');
  if (!n) return;
  n.textContent = text;
  n.className = kind;
  n.hidden = !text;
}

async function openConversation(id) {
  state.selected = id;
  for (const li of $('conversations').children) li.classList.toggle('active', li.dataset.id === id);
  const c = await api(`/api/v1/conversations/${id}`);
  const lastSeen = c.messages.at(-1)?.id;
  const body = el('textarea', { id: 'reply-body', rows: '3', placeholder: 'Write a reply to the patient, or a note for the team' });
  const send = async (kind, confirm = false) => {
    notice('');
    if (!body.value.trim()) return notice('Write something first.');
    try {
      await api(`/api/v1/conversations/${id}/messages`, { method: 'POST', body: { kind, body: body.value, seenMessageId: lastSeen, confirm } });
      body.value = '';
      await openConversation(id);
      await loadConversations();
    } catch (err) {
      if (err.status === 409 && kind === 'reply') {
        if (window.confirm(`${err.message}\n\nSend your reply anyway?`)) return send(kind, true);
        await openConversation(id);
        return;
      }
      notice(err.message);
    }
  };
  const act = (path, payload) => async () => {
    notice('');
    try {
      await api(`/api/v1/conversations/${id}/${path}`, { method: 'POST', body: payload ?? {} });
      await openConversation(id);
      await loadConversations();
    } catch (err) {
      // people-only work closed or snoozed without a reply: say why, and ask for the reason the audit keeps
      if (err.code === 'confirmation_required' && !(payload && payload.confirm)) {
        const reason = window.prompt(`${err.message}\n\nWhy without a reply? (kept in the audit log)`);
        if (reason && reason.trim()) return act(path, { ...(payload ?? {}), confirm: true, reason: reason.trim() })();
        return;
      }
      notice(err.message);
    }
  };
  const detail = $('detail');
  detail.replaceChildren(
    el('h2', {}, name(c.patient)),
    el('p', { class: 'muted' },
      c.patient.contactPoints.map((p) => `${p.kind}: ${p.value}`).join(' · '),
      c.queue ? ` · queue: ${c.queue.name}` : '',
      ` · ${c.status}`,
      c.slaDueAt ? ` · due ${fmt(c.slaDueAt)}` : '',
      c.consent ? ` · consent: texts ${c.consent.sms}, email ${c.consent.email}, calls ${c.consent.voice}` : ''),
    c.playbook && c.playbook.items.length
      ? el('aside', { class: 'playbook', 'aria-label': 'Checklist' },
          el('strong', {}, `Checklist (${c.playbook.queue?.name ?? c.playbook.queue ?? 'queue'})`),
          el('ul', {}, ...c.playbook.items.map((i) =>
            el('li', {}, el('label', {}, el('input', { type: 'checkbox' }), ` ${i.label}`, i.value ? el('span', { class: 'prefill' }, ` — ${Array.isArray(i.value) ? i.value.join(', ') : i.value}`) : null)))))
      : null,
    el('div', { class: 'actions' },
      el('button', { onclick: act('assign', { assigneeId: state.me }), disabled: c.assigneeId === state.me || !state.me }, c.assigneeId === state.me ? 'Assigned to you' : 'Take it'),
      el('button', { onclick: act('snooze', { until: new Date(Date.now() + 24 * 3600_000).toISOString() }) }, 'Snooze a day'),
      c.status === 'resolved'
        ? el('button', { onclick: act('reopen') }, 'Reopen')
        : el('button', { onclick: act('resolve') }, 'Resolve')),
    ...c.messages.map((m) =>
      el('div', { class: `msg ${m.kind === 'note' ? 'note' : m.direction}` },
        el('div', { class: 'meta' },
          `${m.author.name || m.author.type} · ${m.kind === 'note' ? 'internal note' : m.channel} · ${fmt(m.createdAt)} · ${m.status}`,
          m.triage ? ` · ${m.triage.intent.replaceAll('_', ' ')}, ${m.triage.urgency}` : ''),
        m.subject ? el('strong', {}, m.subject + '\n') : null,
        m.body || '(no text)',
        m.errorCode ? el('div', { class: 'error' }, `Not sent: ${m.errorMessage || m.errorCode}`) : null)),
    el('div', { class: 'composer' },
      el('p', { id: 'notice', hidden: true }),
      body,
      el('div', { class: 'actions' },
        el('button', { class: 'primary', onclick: () => send('reply') }, 'Send reply'),
        el('button', { onclick: () => send('note') }, 'Add internal note'))));
}

async function init() {
  const me = await api('/api/v1/session');
  state.csrf = me.csrfToken;
  state.me = me.user.id;
  $('me').textContent = `${me.user.email ?? ''} (${me.user.role})`;
  $('nav-tokens').hidden = me.user.role !== 'admin';
  const practices = await api('/api/v1/practices');
  const select = $('practice');
  select.append(el('option', { value: '' }, 'All practices'));
  for (const p of practices.data) select.append(el('option', { value: p.id }, p.name));
  const reload = () => loadConversations().catch((err) => notice(err.message));
  select.addEventListener('change', () => { state.practiceId = select.value; reload(); });
  $('status').addEventListener('change', (e) => { state.status = e.target.value; reload(); });
  $('urgency').addEventListener('change', (e) => { state.urgency = e.target.value; reload(); });
  $('assignee').addEventListener('change', (e) => { state.assignee = e.target.value; reload(); });
  let timer;
  $('search').addEventListener('input', (e) => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.q = e.target.value.trim(); reload(); }, 250);
  });
  $('more').addEventListener('click', () => loadConversations(true));
  await loadConversations();
  route();
  // keep the list fresh while the page is open
  setInterval(() => { if (!document.hidden) reload(); }, 15_000);
}

init().catch((err) => { $('detail').replaceChildren(el('p', { class: 'error' }, err.message)); });

// --- rules: edit a draft, try it on past traffic (nothing is sent or changed), save a version
async function showRules() {
  const practiceId = state.practiceId || ($('practice').options[1] && $('practice').options[1].value);
  const note = (text, kind = 'error') => { const n = $('rules-notice'); n.textContent = text; n.className = kind; n.hidden = !text; };
  note('');
  if (!practiceId) return note('Pick a practice first.');
  const live = await api(`/api/v1/rules?practiceId=${practiceId}`);
  $('rules-version').textContent = `Live: version ${live.version}${live.note ? ` (${live.note})` : ''}`;
  $('rules-draft').value = JSON.stringify(live.rules, null, 2);
  const today = new Date();
  $('sim-to').value = today.toISOString().slice(0, 10);
  $('sim-from').value = new Date(today.getTime() - 30 * 86400_000).toISOString().slice(0, 10);
  const draft = () => {
    try { return JSON.parse($('rules-draft').value); } catch (e) { note(`The draft is not valid JSON: ${e.message}`); return null; }
  };
  $('sim-run').onclick = async () => {
    note('');
    const rules = draft();
    if (!rules) return;
    try {
      const r = await api('/api/v1/rules/simulate', {
        method: 'POST',
        body: { practiceId, rules, from: new Date(`${$('sim-from').value}T00:00:00`).toISOString(), to: new Date(`${$('sim-to').value}T23:59:59`).toISOString() },
      });
      const rows = Object.entries(r.counts).sort(([a], [b]) => a.localeCompare(b));
      $('sim-result').replaceChildren(
        el('p', {}, `${r.total} messages; ${r.changed.length} would be handled differently${r.truncated ? ' (first messages only)' : ''}.`),
        el('table', { id: 'sim-counts' },
          el('thead', {}, el('tr', {}, el('th', {}, 'action'), el('th', {}, `live (v${r.liveVersion})`), el('th', {}, 'draft'))),
          el('tbody', {}, ...rows.map(([k, v]) => el('tr', { class: v.live !== v.draft ? 'changed' : undefined }, el('td', {}, k), el('td', {}, String(v.live)), el('td', {}, String(v.draft)))))),
        el('ul', { id: 'sim-changed' }, ...r.changed.slice(0, 100).map((c) =>
          el('li', {}, el('span', { class: 'muted' }, `${fmt(c.createdAt)} · ${c.intent}, ${c.urgency}: `), c.differences.join('; ')))));
    } catch (err) {
      note(err.message);
    }
  };
  $('rules-save').onclick = async () => {
    note('');
    const rules = draft();
    if (!rules) return;
    try {
      const saved = await api('/api/v1/rules', { method: 'PUT', body: { practiceId, rules, note: 'saved in the console' } });
      $('rules-version').textContent = `Live: version ${saved.version} (${saved.note})`;
      note(`Saved as version ${saved.version}.`, 'ok');
    } catch (err) {
      note(err.message);
    }
  };
}

// --- tokens (admins): make one (shown once), list, revoke
async function showTokens() {
  const note = (text, kind = 'error') => { const n = $('tokens-notice'); n.textContent = text; n.className = kind; n.hidden = !text; };
  const practiceSelect = $('token-practice');
  if (!practiceSelect.options.length) {
    practiceSelect.append(el('option', { value: '' }, 'Every practice (admin only)'));
    for (const o of [...$('practice').options].slice(1)) practiceSelect.append(el('option', { value: o.value }, o.textContent));
    practiceSelect.selectedIndex = practiceSelect.options.length > 1 ? 1 : 0;
  }
  const render = async () => {
    const list = await api('/api/v1/tokens');
    const names = Object.fromEntries([...$('practice').options].map((o) => [o.value, o.textContent]));
    $('tokens-table').replaceChildren(
      el('thead', {}, el('tr', {}, ...['name', 'role', 'practice', 'made', 'last used', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...list.data.map((t) =>
        el('tr', {},
          el('td', {}, t.name), el('td', {}, t.role), el('td', {}, t.practiceId ? names[t.practiceId] || t.practiceId : 'every practice'),
          el('td', {}, fmt(t.createdAt)), el('td', {}, fmt(t.lastUsedAt)),
          el('td', {}, t.revokedAt ? `revoked ${fmt(t.revokedAt)}` : el('button', {
            onclick: async () => {
              if (!window.confirm(`Revoke "${t.name}"? Programs using it stop working at once.`)) return;
              try { await api(`/api/v1/tokens/${t.id}`, { method: 'DELETE' }); await render(); } catch (err) { note(err.message); }
            },
          }, 'Revoke'))))));
  };
  $('token-form').onsubmit = async (e) => {
    e.preventDefault();
    note('');
    try {
      const made = await api('/api/v1/tokens', {
        method: 'POST',
        body: { name: $('token-name').value, role: $('token-role').value, practice: practiceSelect.value || undefined },
      });
      const shown = $('token-made');
      shown.replaceChildren('Copy it now; it is not shown again: ', el('code', { id: 'token-value' }, made.token));
      shown.hidden = false;
      $('token-name').value = '';
      await render();
    } catch (err) {
      note(err.message);
    }
  };
  await render();
}

// --- figures: reminders, answers, no-shows by reminder outcome, waitlist refills, per practice
async function showFigures() {
  const note = (text) => { const n = $('figures-notice'); n.textContent = text; n.className = 'error'; n.hidden = !text; };
  if (!$('fig-to').value) {
    const today = new Date();
    $('fig-to').value = today.toISOString().slice(0, 10);
    $('fig-from').value = new Date(today.getTime() - 30 * 86400_000).toISOString().slice(0, 10);
  }
  const pct = (r) => (r === null || r === undefined ? '–' : `${Math.round(r * 1000) / 10}%`);
  const run = async () => {
    note('');
    const q = new URLSearchParams({ from: $('fig-from').value, to: $('fig-to').value });
    if (state.practiceId) q.set('practiceId', state.practiceId);
    try {
      const r = await api(`/api/v1/metrics/appointments?${q}`);
      const rows = [
        ['Appointments', (m) => m.appointments],
        ['Reminders sent', (m) => m.remindersSent],
        ['Reminders delivered', (m) => m.remindersDelivered],
        ['Reminders skipped', (m) => m.remindersSkipped],
        ['Confirmed', (m) => m.confirmed],
        ['Cancelled', (m) => m.cancelled],
        ['Rescheduled', (m) => m.rescheduled],
        ['No-shows', (m) => m.noShows],
        ['No-show rate', (m) => pct(m.noShowRate)],
        ['No-show rate, confirmed', (m) => pct(m.noShowRateByReminderOutcome.confirmed.rate)],
        ['No-show rate, reminded but no answer', (m) => pct(m.noShowRateByReminderOutcome.remindedNoAnswer.rate)],
        ['No-show rate, not reminded', (m) => pct(m.noShowRateByReminderOutcome.notReminded.rate)],
        ['Slots refilled from the waitlist', (m) => m.refilledFromWaitlist],
      ];
      $('figures-table').replaceChildren(
        el('thead', {}, el('tr', {}, el('th', {}, ''), ...r.data.map((m) => el('th', {}, m.practiceName)))),
        el('tbody', {}, ...rows.map(([label, f]) => el('tr', {}, el('td', {}, label), ...r.data.map((m) => el('td', {}, String(f(m))))))));
    } catch (err) {
      note(err.message);
    }
  };
  $('fig-run').onclick = run;
  await run();
}

function route() {
  const view = ['rules', 'tokens', 'figures'].find((v) => location.hash.startsWith(`#/${v}`)) ?? 'inbox';
  $('rules-view').hidden = view !== 'rules';
  $('tokens-view').hidden = view !== 'tokens';
  $('figures-view').hidden = view !== 'figures';
  $('inbox-view').hidden = view !== 'inbox';
  if (view === 'figures') showFigures().catch((err) => { $('figures-notice').textContent = err.message; $('figures-notice').hidden = false; });
  if (view === 'rules') showRules().catch((err) => { $('rules-notice').textContent = err.message; $('rules-notice').hidden = false; });
  if (view === 'tokens') showTokens().catch((err) => { $('tokens-notice').textContent = err.message; $('tokens-notice').hidden = false; });
}
window.addEventListener('hashchange', route);
