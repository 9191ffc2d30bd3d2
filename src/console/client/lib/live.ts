// Live updates: one EventSource per page; listeners hear which conversation changed.

type Change = { conversationId: string; practiceId: string };
type Listener = (c: Change) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
export type LiveStatus = 'connecting' | 'live' | 'offline' | 'signed-out';
let source: EventSource | null = null;
let status: LiveStatus = 'connecting';
let retry: ReturnType<typeof setTimeout> | null = null;

function setStatus(s: LiveStatus) {
  status = s;
  for (const fn of statusListeners) fn(s);
}

export function connectLive() {
  if (source) return;
  setStatus('connecting');
  const es = new EventSource('/api/v1/events');
  source = es;
  es.addEventListener('ready', () => {
    setStatus('live');
    // anything missed while away: everyone refreshes once
    for (const fn of listeners) fn({ conversationId: '*', practiceId: '*' });
  });
  es.addEventListener('conversation', (e) => {
    try {
      const c = JSON.parse((e as MessageEvent).data) as Change;
      for (const fn of listeners) fn(c);
    } catch {
      // not for us
    }
  });
  es.addEventListener('signed-out', () => {
    disconnectLive();
    setStatus('signed-out');
  });
  es.onerror = () => {
    // a refused stream (401) is CLOSED and not retried by the browser: try again later
    if (es.readyState === EventSource.CLOSED) {
      source = null;
      setStatus('offline');
      if (retry) clearTimeout(retry);
      retry = setTimeout(() => connectLive(), 5000);
    } else setStatus('connecting');
  };
}

export function disconnectLive() {
  if (retry) clearTimeout(retry);
  retry = null;
  source?.close();
  source = null;
}

export function onChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function onLiveStatus(fn: (s: LiveStatus) => void): () => void {
  statusListeners.add(fn);
  fn(status);
  return () => statusListeners.delete(fn);
}
