// The console: a plain module over the same REST API programs use, with the session cookie.
const state = { practiceId: '', status: 'open', cursor: null, selected: null, csrf: null };
const $ = (id) => document.getElementById(id);

async function api(path) {
  const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (res.status === 401) {
    location.href = '/login';
    throw new Error('signed out');
  }
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message || `request failed (${res.status})`);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const fmt = (iso) => new Date(iso).toLocaleString();
const name = (p) => [p.firstName, p.lastName].filter(Boolean).join(' ') || 'Unknown patient';

async function loadConversations(append = false) {
  const q = new URLSearchParams({ status: state.status, limit: '30' });
  if (state.practiceId) q.set('practiceId', state.practiceId);
  if (append && state.cursor) q.set('cursor', state.cursor);
  const page = await api(`/api/v1/conversations?${q}`);
  const list = $('conversations');
  if (!append) list.replaceChildren();
  for (const c of page.data) {
    list.append(
      el('li', { 'data-id': c.id, onclick: () => openConversation(c.id) },
        el('div', { class: 'who' }, name(c.patient)),
        el('div', {}, c.preview ?? ''),
        el('div', { class: 'meta' },
          el('span', {}, c.channel),
          c.urgency && c.urgency !== 'routine' ? el('span', { class: `badge ${c.urgency}` }, c.urgency) : null,
          c.intent ? el('span', { class: 'badge' }, c.intent.replaceAll('_', ' ')) : null,
          c.queue ? el('span', {}, c.queue.name) : null,
          el('span', {}, fmt(c.lastMessageAt)))));
  }
  state.cursor = page.nextCursor;
  $('more').hidden = !page.nextCursor;
  $('empty').hidden = list.children.length > 0;
}

async function openConversation(id) {
  state.selected = id;
  for (const li of $('conversations').children) li.classList.toggle('active', li.dataset.id === id);
  const c = await api(`/api/v1/conversations/${id}`);
  const detail = $('detail');
  detail.replaceChildren(
    el('h2', {}, name(c.patient)),
    el('p', { class: 'muted' },
      c.patient.contactPoints.map((p) => `${p.kind}: ${p.value}`).join(' · '),
      c.queue ? ` · queue: ${c.queue.name}` : '',
      ` · ${c.status}`),
    ...c.messages.map((m) =>
      el('div', { class: `msg ${m.direction}` },
        el('div', { class: 'meta' }, `${m.author.name || m.author.type} · ${m.channel} · ${fmt(m.createdAt)} · ${m.status}`),
        m.subject ? el('strong', {}, m.subject + '\n') : null,
        m.body || '(no text)')));
}

async function init() {
  const me = await api('/api/v1/session');
  state.csrf = me.csrfToken;
  $('me').textContent = `${me.user.email ?? ''} (${me.user.role})`;
  const practices = await api('/api/v1/practices');
  const select = $('practice');
  select.append(el('option', { value: '' }, 'All practices'));
  for (const p of practices.data) select.append(el('option', { value: p.id }, p.name));
  select.addEventListener('change', () => { state.practiceId = select.value; loadConversations(); });
  $('status').addEventListener('change', (e) => { state.status = e.target.value; loadConversations(); });
  $('more').addEventListener('click', () => loadConversations(true));
  await loadConversations();
}

init().catch((err) => { $('detail').replaceChildren(el('p', { class: 'error' }, err.message)); });
