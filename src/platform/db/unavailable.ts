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
