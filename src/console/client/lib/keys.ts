// Keyboard shortcuts, ignored while typing in a field (Escape aside).
import { useEffect, useRef } from 'hono/jsx/dom';

export interface Shortcut {
  key: string;
  label: string;
  run: (e: KeyboardEvent) => void;
}

const groups = new Map<string, Shortcut[]>();

export function registerShortcuts(group: string, list: Shortcut[]): () => void {
  groups.set(group, list);
  // a newer registration of the same group may already be in place: leave it
  return () => void (groups.get(group) === list && groups.delete(group));
}

export const allShortcuts = () => [...groups.entries()];

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (isTyping(e.target)) return;
  // Enter on a link or button does what it says there, not a shortcut
  if (e.key === 'Enter' && (e.target as HTMLElement | null)?.closest?.('a, button, summary, [role=button]')) return;
  if (document.querySelector('dialog[open]')) return;
  for (const list of [...groups.values()].reverse()) {
    const s = list.find((x) => x.key === e.key);
    if (s) {
      e.preventDefault();
      s.run(e);
      return;
    }
  }
});

/**
 * A component's shortcuts, registered once while it is mounted; each key calls the newest
 * handler of the latest render (re-registering on every render would leave gaps between a
 * render's clean-up and its effect in which keys do nothing).
 */
export function useShortcuts(group: string, list: Shortcut[]) {
  const latest = useRef(list);
  latest.current = list;
  useEffect(
    () =>
      registerShortcuts(
        group,
        list.map((s) => ({ key: s.key, label: s.label, run: (e: KeyboardEvent) => latest.current.find((x) => x.key === s.key)?.run(e) })),
      ),
    [],
  );
}
