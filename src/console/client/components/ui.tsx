import { useEffect, useRef, useState } from 'hono/jsx/dom';
import type { Child } from 'hono/jsx';
import { ApiError, NotAvailableError, describe } from '../api/http';

/** A modal dialog (the browser's own: focus stays inside, Escape closes). */
export function Dialog(props: { open: boolean; title: string; onClose: () => void; children: Child; id?: string; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const onCancel = (e: Event) => {
      e.preventDefault();
      props.onClose();
    };
    d.addEventListener('cancel', onCancel);
    return () => d.removeEventListener('cancel', onCancel);
  }, [props.onClose]);
  const titleId = `${props.id ?? 'dialog'}-title`;
  return (
    <dialog ref={ref} id={props.id} class={props.wide ? 'wide' : ''} aria-labelledby={titleId}>
      {props.open ? (
        <div class="dialog-body">
          <h2 id={titleId}>{props.title}</h2>
          {props.children}
        </div>
      ) : null}
    </dialog>
  );
}

export function Notice(props: { kind?: 'error' | 'ok' | 'info'; children: Child; id?: string }) {
  const kind = props.kind ?? 'error';
  return (
    <p id={props.id} class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </p>
  );
}

/** A feature whose API this server does not offer yet. */
export function NotAvailable(props: { what: string; detail?: string }) {
  return (
    <div class="not-available" role="status">
      <strong>{props.what} is not available on this server yet.</strong>
      {props.detail ? <p>{props.detail}</p> : null}
    </div>
  );
}

export function ErrorView(props: { error: unknown; what?: string }) {
  if (props.error instanceof NotAvailableError) return <NotAvailable what={props.what ?? 'This'} />;
  if (props.error instanceof ApiError && props.error.status === 404) return <Notice>{props.what ? `${props.what}: ` : ''}not found, or not yours to see.</Notice>;
  return <Notice>{describe(props.error)}</Notice>;
}

export function Loading(props: { label?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {props.label ?? 'Loading…'}
    </p>
  );
}

export type Loadable<T> = { state: 'loading' } | { state: 'ready'; data: T } | { state: 'error'; error: unknown };

/** Loads once per key; `reload` fetches again (a live update, a save). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Loadable<T>, () => Promise<void>] {
  const [value, setValue] = useState<Loadable<T>>({ state: 'loading' });
  const seq = useRef(0);
  const run = async (quiet: boolean) => {
    const mine = ++seq.current;
    if (!quiet) setValue({ state: 'loading' });
    try {
      const data = await load();
      if (mine === seq.current) setValue({ state: 'ready', data });
    } catch (error) {
      if (mine === seq.current) setValue({ state: 'error', error });
    }
  };
  useEffect(() => {
    void run(false);
  }, deps);
  return [value, () => run(true)];
}

export function PageHeader(props: { title: string; children?: Child }) {
  return (
    <div class="page-header">
      <h1>{props.title}</h1>
      {props.children ? <div class="page-actions">{props.children}</div> : null}
    </div>
  );
}

/** A labelled field: the label names the control for screen readers. */
export function Field(props: { label: string; children: Child; hint?: string; class?: string }) {
  return (
    <label class={`field ${props.class ?? ''}`}>
      <span class="field-label">{props.label}</span>
      {props.children}
      {props.hint ? <span class="hint">{props.hint}</span> : null}
    </label>
  );
}

export const inputValue = (e: Event) => (e.target as HTMLInputElement).value;
export const inputChecked = (e: Event) => (e.target as HTMLInputElement).checked;
