// Pure, so the HTTP layer can use it without loading the database clients (the edge bundle).

/**
 * The database is away, restarting or refusing for now: the request can succeed later. Such
 * a failure is answered 503 `unavailable` (providers retry), never 500. drizzle wraps the
 * driver's error, so the cause chain is searched.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return errorCodes(err).some((code) => unavailableCodes.has(code) || /^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300');
}

/** Postgres stopped the statement at its timeout or on request (57014, query_canceled). */
export function isQueryCanceled(err: unknown): boolean {
  return errorCodes(err).includes('57014');
}

/** The codes along an error's cause chain: drizzle wraps the driver's error, which may wrap the socket's. */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') codes.push(e.code);
  }
  return codes;
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
