import type { Harness } from './harness';

/** Signs in as a person (the console's cookie session): headers for reads, and for changes (with the CSRF token). */
export async function signIn(h: Harness, user: { email: string; password: string }) {
  const res = await h.app.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, csrfToken, read: { cookie }, write: { cookie, 'x-csrf-token': csrfToken } };
}
