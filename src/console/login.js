const reasons = {
  invalid: 'Wrong email or password, or the account is deactivated.',
  missing: 'Enter your email and password.',
  locked: 'Too many failed sign-ins. Wait a minute, then try again.',
};
const code = new URLSearchParams(location.search).get('error');
if (code) {
  const el = document.getElementById('login-error');
  el.textContent = reasons[code] || 'Sign-in failed.';
  el.hidden = false;
}
