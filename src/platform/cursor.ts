import { and, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { AppError } from './errors';
import { inSaneYears } from './time';

/** A keyset page cursor: the sort time and id of the last row shown, opaque to callers. */
export interface Cursor {
  at: Date;
  id: string;
}

export const encodeCursor = (at: Date, id: string) => Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');

export function decodeCursor(s: string): Cursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (typeof at !== 'string' || !inSaneYears(date) || typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw new Error();
    return { at: date, id };
  } catch {
    throw new AppError('validation_failed', 'cursor: not a cursor this API gave out');
  }
}

/**
 * The rows after a cursor in a list ordered by (at, id), ascending or descending; none
 * without a cursor. Ties on the time are broken by id, so no row is skipped or repeated.
 */
export function afterCursor(cursor: string | undefined, at: PgColumn, id: PgColumn, order: 'asc' | 'desc'): SQL | undefined {
  if (!cursor) return undefined;
  const c = decodeCursor(cursor);
  const beyond = order === 'asc' ? gt : lt;
  return or(beyond(at, c.at), and(eq(at, c.at), beyond(id, c.id)));
}

/** Splits the `limit + 1` rows a keyset query fetched into the page and the next cursor. */
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => { at: Date; id: string }): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  if (rows.length <= limit || !last) return { page, nextCursor: null };
  const k = key(last);
  return { page, nextCursor: encodeCursor(k.at, k.id) };
}
