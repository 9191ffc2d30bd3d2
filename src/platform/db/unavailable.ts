// Pure, so the HTTP layer can use it without loading the database clients (the edge bundle).

/**
 * The database is away, restarting or refusing for now: the request can succeed later. Such
 * a failure is answered 503 `unavailable` (providers retry), never 500. drizzle wraps the
 * driver's error, so the cause chain is searched.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown; errno?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (unavailableCodes.has(code) || /^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return true;
  }
  return false;
}
const unavailableCodes = new Set([
  // postgres.js
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  // the socket
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Runs `write` again while the database is away, for up to `forMs`: for a write that records
 * what already happened outside (a provider took a message), where failing the job would
 * mean doing the outside part again. Any other error, or the time running out, is thrown.
 */
export async function whileDatabaseAway<T>(write: () => Promise<T>, opts: { forMs?: number; firstDelayMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.forMs ?? 60_000);
  for (let delay = opts.firstDelayMs ?? 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await write();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() + delay > deadline) throw err;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
