import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/**
 * A database of its own for one benchmark run, on the machine's Postgres (DATABASE_URL or
 * the local one), dropped afterwards, even when the run fails or is interrupted.
 */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
  /** leave it in place after the run (for a look at its plans) */
  keep(): void;
}

export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const baseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `sb_bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const a = postgres(baseUrl, { max: 1, onnotice: () => {} });
    try {
      await a.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await a.end();
    }
  };
  cleanups.push(drop);
  const keep = () => {
    const at = cleanups.indexOf(drop);
    if (at >= 0) cleanups.splice(at, 1);
  };
  return { name, url: url.toString(), drop, keep };
}

const cleanups: (() => Promise<void>)[] = [];

/** Runs on Ctrl-C too: no scratch database or child process is left behind. */
export function onCleanup(fn: () => Promise<void> | void) {
  cleanups.push(async () => fn());
}

export async function cleanUp() {
  // children first (they hold connections), then the databases
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`cleanup: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}
