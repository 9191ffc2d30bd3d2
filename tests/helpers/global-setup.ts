import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { ciDemandsServices, testDatabaseUrl, testRedisUrl } from './services';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    /** a database with every migration applied, copied per test file; null: use PGlite */
    templateDatabase: string | null;
    redisUrl: string | null;
  }
}

const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

async function setupPostgres(runId: string): Promise<string | null> {
  const { default: postgres } = await import('postgres');
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin`select 1`;
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => {});
    const msg = `Postgres unreachable at ${new URL(testDatabaseUrl).host} (${(err as Error).message})`;
    if (ciDemandsServices) throw new Error(`${msg}; CI needs it`);
    process.stdout.write(`${msg}: integration tests run on PGlite instead.\n`);
    return null;
  }
  const template = `sb_tmpl_${runId}`;
  await admin.unsafe(`create database ${template}`);
  await admin.end({ timeout: 5 });
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${template}`;
  const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  await migrate(drizzle(client, { casing: 'snake_case' }), { migrationsFolder });
  await client.end({ timeout: 5 });
  return template;
}

async function checkRedis(): Promise<string | null> {
  const { Redis } = await import('ioredis');
  const r = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
    return testRedisUrl;
  } catch (err) {
    const msg = `Redis unreachable at ${new URL(testRedisUrl).host} (${(err as Error).message})`;
    if (ciDemandsServices) throw new Error(`${msg}; CI needs it`);
    process.stdout.write(`${msg}: queue tests run on the in-process runner only.\n`);
    return null;
  } finally {
    r.disconnect();
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  // the spawn smoke tests run the compiled entry points, as `npm start` does: build once here
  const { build, isStale } = await import('../../bin/build.mjs');
  const [template, redisUrl] = await Promise.all([setupPostgres(runId), checkRedis(), isStale() ? build({ quiet: true }) : null]);
  project.provide('runId', runId);
  project.provide('templateDatabase', template);
  project.provide('redisUrl', redisUrl);

  return async () => {
    const { default: postgres } = await import('postgres');
    if (template) {
      const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
      const dbs = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`sb_%${runId}%`}`;
      for (const { datname } of dbs) await admin.unsafe(`drop database if exists ${datname} with (force)`);
      await admin.end({ timeout: 5 });
    }
    if (redisUrl) {
      const { Redis } = await import('ioredis');
      const r = new Redis(redisUrl);
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `sbt-${runId}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await r.del(...keys);
      } while (cursor !== '0');
      r.disconnect();
    }
  };
}
