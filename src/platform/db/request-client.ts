import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { sql } from 'drizzle-orm';
import type { Database } from './client';
import * as schema from './schema';

export interface RequestDatabase {
  db: Database;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A postgres.js client for one request at the edge, over Hyperdrive's connection string:
 * Hyperdrive keeps the pool of real connections, so opening one per request is cheap, and a
 * Worker may not carry a socket from one request to the next. The same driver, schema and
 * casing as Node's client (platform/db/client.ts), so queries answer the same on both.
 */
export function openRequestDatabase(connectionString: string): RequestDatabase {
  // a Worker may hold six connections at once; a request needs one or two
  const client = postgres(connectionString, { max: 5, onnotice: () => {} });
  const db = drizzle(client, { schema, casing: 'snake_case' }) as unknown as Database;
  return {
    db,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}
