import { render } from 'hono/jsx/dom';
import './app.css';
import { boot } from './app';
import { ApiError } from './api/http';

const root = document.getElementById('app')!;
boot(root, render).catch((err) => {
  if (err instanceof ApiError && err.status === 401) {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    return;
  }
  root.textContent = `The console could not start: ${(err as Error).message}`;
});
