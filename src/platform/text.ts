/**
 * Postgres text cannot hold a NUL character (U+0000), in a text column or in jsonb: a value
 * carrying one fails the whole statement. What patients send through a provider (Twilio,
 * SendGrid, the portal) is stored with NULs removed, never refused: their words must not be
 * lost. API callers get a 400 instead (src/http/input-guard.ts).
 */
export function stripNul<T>(value: T): T {
  return strip(value, 0) as T;
}

function strip(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => strip(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[stripNul(k)] = strip(v, depth + 1);
  return out;
}
