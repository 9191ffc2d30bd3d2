// The sign-in page: says why a sign-in failed, and returns to the page that asked after it.
const reasons: Record<string, string> = {
  invalid: 'Wrong email or password, or the account is deactivated.',
  missing: 'Enter your email and password.',
  locked: 'Too many failed sign-ins for this email. Try again in 15 minutes.',
};
const params = new URLSearchParams(location.search);
const errorBox = document.getElementById('login-error')!;
const show = (text: string) => {
  errorBox.textContent = text;
  errorBox.hidden = false;
};
const code = params.get('error');
if (code) show(reasons[code] ?? 'Sign-in failed.');

/** only a path of our own console: never another site */
const next = (() => {
  const n = params.get('next') ?? '/';
  return /^\/(?!\/)[\w\-/.?=&%]*$/.test(n) ? n : '/';
})();

const form = document.querySelector('form')!;
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const data = new FormData(form);
  const res = await fetch('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ email: data.get('email'), password: data.get('password') }),
  }).catch(() => null);
  if (res?.ok) {
    location.href = next;
    return;
  }
  if (!res) return show('Could not reach the server. Check the connection and try again.');
  show(res.status === 429 ? reasons.locked! : res.status === 401 ? reasons.invalid! : reasons.missing!);
});
