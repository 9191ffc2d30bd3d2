import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

/** `%`, `_` and `\` typed in a search are the characters themselves, not LIKE wildcards. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (m) => `\\${m}`);

/** A LIKE pattern for text anywhere in a value. */
export const containsPattern = (text: string) => `%${escapeLike(text)}%`;

/**
 * A message's subject and text as one string: the expression of the trigram index on messages
 * (migration 0016) and of every search that means to use it, which must be written the same.
 */
export const messageWords = (subject: AnyColumn | SQL, body: AnyColumn | SQL): SQL => sql`(coalesce(${subject}, '') || ' ' || coalesce(${body}, ''))`;

/** A patient's name as one string: the expression of its trigram index (migration 0019) and of the searches that use it. */
export const fullName = (first: AnyColumn | SQL, last: AnyColumn | SQL): SQL => sql`(coalesce(${first}, '') || ' ' || coalesce(${last}, ''))`;

/** A phone number's digits alone: the expression of its trigram index (migration 0019) and of the searches that use it. */
export const phoneDigits = (value: AnyColumn | SQL): SQL => sql`regexp_replace(${value}, '[^0-9]', '', 'g')`;
