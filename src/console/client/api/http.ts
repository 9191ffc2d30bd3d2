// The one way the console talks to the API: the session cookie, the CSRF token on changes,
// errors as ApiError with the server's code and message, a 401 announced (not a redirect, so
// nothing typed is lost), and a route that does not exist on this server as NotAvailableError
// (a feature whose API lives on another branch shows "not available" instead of breaking).

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server has no such route (yet): the screen says so. */
export class NotAvailableError extends ApiError {
  constructor(path: string) {
    super(404, 'not_available', `This server does not offer ${path.split('?')[0]} yet.`);
    this.name = 'NotAvailableError';
  }
}

let csrfToken: string | null = null;
export const setCsrfToken = (t: string | null) => {
  csrfToken = t;
};

type Listener = () => void;
const expiredListeners = new Set<Listener>();
/** Called on every 401 answer: the app asks the person to sign in again, in place. */
export function onSessionExpired(fn: Listener): () => void {
  expiredListeners.add(fn);
  return () => expiredListeners.delete(fn);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** a body sent as it is (a file), with its content type, instead of JSON */
  raw?: { body: Blob | string; type: string };
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.raw) headers['content-type'] = opts.raw.type;
  else if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken ?? '';
  const url = withQuery(path, opts.query);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.raw ? opts.raw.body : opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Could not reach the server. Check the connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (res.ok) return body as T;
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  if (res.status === 401) {
    for (const fn of expiredListeners) fn();
    throw new ApiError(401, 'unauthorized', 'Your session has ended. Sign in again to continue.');
  }
  if (res.status === 404 && error?.code === 'not_found' && /^no route for /.test(error.message ?? '')) throw new NotAvailableError(url);
  throw new ApiError(res.status, error?.code ?? 'error', error?.message ?? `The request failed (${res.status}).`);
}

export const get = <T>(path: string, query?: RequestOptions['query']) => request<T>(path, { query });
export const post = <T>(path: string, body?: unknown) => request<T>(path, { method: 'POST', body: body ?? {} });
export const put = <T>(path: string, body: unknown) => request<T>(path, { method: 'PUT', body });
export const patch = <T>(path: string, body: unknown) => request<T>(path, { method: 'PATCH', body });
export const del = <T>(path: string, query?: RequestOptions['query']) => request<T>(path, { method: 'DELETE', query });

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** A human sentence for any error the API or the network gave. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
