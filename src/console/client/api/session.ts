import { get, setCsrfToken } from './http';

export type Role = 'admin' | 'manager' | 'assistant';

export interface Session {
  user: { id: string | null; email: string | null; name: string | null; role: Role };
  practiceIds: 'all' | string[];
  csrfToken: string | null;
}

export async function loadSession(): Promise<Session> {
  const s = await get<Session>('/api/v1/session');
  setCsrfToken(s.csrfToken);
  return s;
}

/** Signs in without leaving the page (the draft and the open conversation stay). */
export async function signIn(email: string, password: string): Promise<Session> {
  const res = await fetch('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(res.status === 401 ? 'Wrong email or password, or the account is deactivated.' : (body?.error?.message ?? 'Sign-in failed.'));
  }
  return loadSession();
}
