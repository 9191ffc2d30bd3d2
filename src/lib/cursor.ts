import { AppError } from './errors';

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
    if (typeof at !== 'string' || Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) throw new Error();
    return { at: date, id };
  } catch {
    throw new AppError('validation_failed', 'cursor: not a cursor this API gave out');
  }
}
