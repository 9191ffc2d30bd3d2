import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import * as schema from '../../src/platform/db/schema';
import type { Database } from '../../src/platform/db/client';

/**
 * A database handle on the same Postgres that records every statement it sends (postgres.js
 * calls `debug` once per statement, `begin` and `commit` included), so a test can count what
 * one job costs at the driver, where the worker spends its CPU.
 */
export function countingDatabase(url: string): { db: Database; statements: string[]; close(): Promise<void> } {
  const statements: string[] = [];
  const client = postgres(url, {
    max: 4,
    onnotice: () => {},
    debug: (_connection, query) => {
      // postgres.js reads the array types once when it first connects: setup, not the job's
      if (!query.includes('pg_catalog.pg_type')) statements.push(query);
    },
  });
  return {
    db: drizzle(client, { schema, casing: 'snake_case' }) as unknown as Database,
    statements,
    close: () => client.end({ timeout: 5 }),
  };
}
