import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fromRoot } from '../paths';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import * as schema from './schema';

export type Schema = typeof schema;
/** The one database type every service takes: postgres.js in production, PGlite embedded. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** A service verb runs on the database or inside a caller's transaction alike. */
export type Db = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** where the data lives, for messages (never includes a password) */
  location: string;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = fromRoot('migrations');

export const connectTimeoutSeconds = 3;

export { isDatabaseUnavailable } from './unavailable';


export class DatabaseBusyError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid} (a running Switchboard server?). Stop it first, or set DATABASE_URL to use Postgres.`,
    );
    this.name = 'DatabaseBusyError';
  }
}

export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  /** connections in the pool (postgres only) */
  max?: number;
}): Promise<DatabaseHandle> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.max ?? 10);
  return openPglite(opts.dataDir);
}

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  // With the server away a request must fail in seconds (503, the provider retries), not after
  // Twilio's 15 s: connect_timeout (default 30 s) and the wait before reconnecting, which
  // postgres.js grows to 20 s (3^n/100 s per failed attempt, shared by the pool), are capped.
  const client = postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: connectTimeoutSeconds,
    backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** retries, 1),
    connection: { application_name: 'switchboard' },
  });
  const db = drizzle(client, { schema, casing: 'snake_case' });
  const safe = new URL(url);
  safe.password = '';
  return {
    db: db as unknown as Database,
    kind: 'postgres',
    location: `${safe.host}${safe.pathname}`,
    async migrate() {
      // Several processes (server, workers) may start at once: one migrates, the others wait.
      const lockClient = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await lockClient`select pg_advisory_lock(7243007)`;
        await migrate(drizzle(lockClient, { casing: 'snake_case' }), { migrationsFolder });
        await lockClient`select pg_advisory_unlock(7243007)`;
      } finally {
        await lockClient.end({ timeout: 5 });
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const release = acquireLock(dir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    // pg_trgm: the inbox search's trigram index (migration 0016)
    const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
    const client = await PGlite.create(join(dir, 'pgdata'), { extensions: { pg_trgm } });
    const db = drizzle(client, { schema, casing: 'snake_case' });
    return {
      db: db as unknown as Database,
      kind: 'pglite',
      location: join(dir, 'pgdata'),
      async migrate() {
        await migrate(db, { migrationsFolder });
      },
      async ping() {
        await client.query('select 1');
      },
      async close() {
        try {
          await client.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** PGlite is single-process: a lock file with our pid keeps a second process out. */
const lockedHere = new Set<string>();

function acquireLock(dir: string): () => void {
  const path = join(dir, 'pglite.lock');
  if (lockedHere.has(dir)) throw new DatabaseBusyError(dir, process.pid);
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (pid && pid !== process.pid && isAlive(pid)) throw new DatabaseBusyError(dir, pid);
  } catch (err) {
    if (err instanceof DatabaseBusyError) throw err;
  }
  writeFileSync(path, String(process.pid));
  lockedHere.add(dir);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    lockedHere.delete(dir);
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
    } catch {
      // already gone
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
