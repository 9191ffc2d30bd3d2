import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ciDemandsServices } from './services';

/**
 * Redis and Postgres processes of a test's own, for the fault tests: they are stopped,
 * killed, flushed and restarted, which must never happen to the machine's shared ones that
 * other test runs use. Each listens on a free port on 127.0.0.1 and lives in a temp dir.
 */

function onPath(bin: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** Postgres's server binaries: PG_BIN, else the newest /usr/lib/postgresql/N/bin, else PATH. */
function postgresBinDir(): string | null {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'pg_ctl'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')) && existsSync(join(root, v, 'bin', 'initdb')))
      .sort((x, y) => Number(y) - Number(x));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const pgCtl = onPath('pg_ctl');
  return pgCtl && existsSync(join(pgCtl, '..', 'initdb')) ? join(pgCtl, '..') : null;
}

const redisBin = onPath('redis-server');
const pgBin = postgresBinDir();
/** Postgres refuses to run as root: there, the temp cluster runs as the `postgres` system user. */
const asRoot = process.getuid?.() === 0;
const runAs = asRoot ? (onPath('runuser') ? ['runuser', '-u', 'postgres', '--'] : null) : [];

/**
 * Whether the fault tests can run here; otherwise one line says why. With CI=true, a missing
 * binary fails the run instead of skipping.
 */
export function ownServices(): { redis: boolean; postgres: boolean; reason: string | null } {
  const missing = [!redisBin && 'redis-server', !pgBin && 'Postgres server binaries (initdb, pg_ctl)', pgBin && !runAs && 'runuser (to run Postgres as the postgres user)']
    .filter(Boolean)
    .join(', ');
  if (missing && ciDemandsServices) throw new Error(`fault tests need ${missing}; CI needs them`);
  return { redis: Boolean(redisBin), postgres: Boolean(pgBin && runAs), reason: missing ? `fault tests skipped: ${missing} not found` : null };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

export interface OwnRedis {
  url: string;
  /** ends the process (SIGKILL with `hard`); its data is gone (no persistence) */
  stop(hard?: boolean): Promise<void>;
  /** starts it again on the same port, empty */
  start(): Promise<void>;
  flushAll(): Promise<void>;
  close(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  if (!redisBin) throw new Error('redis-server is not on PATH');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  let proc: ChildProcess | null = null;
  const cli = async (...args: string[]) => {
    const { Redis } = await import('ioredis');
    const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    r.on('error', () => {});
    try {
      await r.connect();
      return await r.call(args[0]!, ...args.slice(1));
    } finally {
      r.disconnect();
    }
  };
  const ping = () => cli('ping').then(
    (v) => v === 'PONG',
    () => false,
  );
  const start = async () => {
    proc = spawn(redisBin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitFor(`redis on ${port}`, ping);
  };
  const stop = async (hard = false) => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    flushAll: async () => {
      await cli('flushall');
    },
    close: async () => {
      await stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OwnPostgres {
  /** the `postgres` database of the temp cluster; createDatabase makes more */
  url: string;
  createDatabase(name: string): Promise<string>;
  /** `fast` ends sessions and shuts down cleanly; `immediate` is a crash */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  if (!pgBin || !runAs) throw new Error('Postgres server binaries are not available');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-pg-'));
  const data = join(dir, 'data');
  if (asRoot) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
  const run = (bin: string, args: string[]) => {
    const [cmd, ...pre] = [...runAs!, join(pgBin, bin)];
    const r = spawnSync(cmd!, [...pre, ...args], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${bin} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`;
  const start = async () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    start,
    stop,
    async createDatabase(name: string) {
      const { default: postgres } = await import('postgres');
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      await admin.end({ timeout: 5 });
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async close() {
      try {
        await stop('immediate');
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
