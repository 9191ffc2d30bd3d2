// Drafts survive a session expiry and a reload: kept in this browser's storage per person and
// conversation while typing, removed when sent or discarded and on sign-out, and forgotten
// after 12 hours (a shared workstation must not keep a patient's reply for days).

const prefix = 'sb-draft:';
const ttlMs = 12 * 3600_000;

export interface Draft {
  body: string;
  kind: 'reply' | 'note';
  channel?: string;
  /** the newest message shown when the draft was begun: a reply after it is a collision */
  baseId?: string;
  savedAt: number;
}

const key = (userId: string, conversationId: string) => `${prefix}${userId}:${conversationId}`;

export function loadDraft(userId: string, conversationId: string): Draft | null {
  try {
    const raw = localStorage.getItem(key(userId, conversationId));
    if (!raw) return null;
    const d = JSON.parse(raw) as Draft;
    if (Date.now() - d.savedAt > ttlMs || typeof d.body !== 'string') {
      localStorage.removeItem(key(userId, conversationId));
      return null;
    }
    return d;
  } catch {
    return null;
  }
}

export function saveDraft(userId: string, conversationId: string, draft: Omit<Draft, 'savedAt'>) {
  try {
    if (!draft.body.trim()) localStorage.removeItem(key(userId, conversationId));
    else localStorage.setItem(key(userId, conversationId), JSON.stringify({ ...draft, savedAt: Date.now() }));
  } catch {
    // storage full or blocked: the draft still lives in the page
  }
}

export const clearDraft = (userId: string, conversationId: string) => {
  try {
    localStorage.removeItem(key(userId, conversationId));
  } catch {
    // ignore
  }
};

/** Every draft in this browser (on sign-out: a shared workstation keeps no one's replies), or one person's and the aged ones. */
export function clearDrafts(userId?: string) {
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i);
      if (!k?.startsWith(prefix)) continue;
      if (!userId || k.startsWith(`${prefix}${userId}:`)) localStorage.removeItem(k);
      else {
        const d = JSON.parse(localStorage.getItem(k) ?? 'null') as Draft | null;
        if (!d || Date.now() - d.savedAt > ttlMs) localStorage.removeItem(k);
      }
    }
  } catch {
    // ignore
  }
}
