import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DatabaseBusyError, openDatabase } from '../../src/platform/db/client';
import { practices } from '../../src/platform/db/schema';
import { createPractice } from '../../src/practices/practices';
import { bareEnv, runCli, spawnCli, spawnEntry } from '../helpers/cli';
import { freshDatabaseUrl } from '../helpers/harness';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sb-embedded-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const cli = (args: string[], dataDir: string) => runCli(args, bareEnv(dataDir));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('embedded database (PGlite)', () => {
  it('keeps data across restarts and keeps a second process out', async () => {
    const dir = tempDir();
    const first = await openDatabase({ dataDir: dir });
    await first.migrate();
    await createPractice(first.db, 'system', {
      name: 'Kept',
      slug: 'kept',
      timeZone: 'America/New_York',
      hours: { weekly: {}, closedDates: [] },
    });
    // the same directory from another process is refused with a clear reason (the compiled
    // command as a process: the CLI's spawn smoke test)
    const busy = spawnCli(['migrate'], bareEnv(dir));
    expect(busy.status).not.toBe(0);
    expect(busy.stderr.trim().split('\n')).toHaveLength(1);
    expect(busy.stderr).toMatch(/in use by process \d+/);
    await first.close();

    const second = await openDatabase({ dataDir: dir });
    await second.migrate();
    const rows = await second.db.select().from(practices);
    expect(rows.map((r) => r.slug)).toEqual(['kept']);
    await expect(openDatabase({ dataDir: dir })).rejects.toBeInstanceOf(DatabaseBusyError);
    await second.close();
  }, 120_000);
});

describe('the switchboard command', () => {
  it('makes users and tokens: the token alone on the last line, base64url, 32+ characters', async () => {
    const dir = tempDir();
    expect((await cli(['seed', '--demo'], dir)).status).toBe(0);
    const added = await cli(['users', 'add', '--email', 'Nurse@Example.com', '--role', 'assistant', '--practice', 'maple-street'], dir);
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/Password: \S{12,}/);
    const token = await cli(['tokens', 'create', '--role', 'portal', '--practice', 'maple-street', '--name', 'portal'], dir);
    expect(token.status).toBe(0);
    const last = token.stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    const bad = await cli(['tokens', 'create', '--role', 'manager', '--name', 'x'], dir);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('practice');
    const unknownPractice = await cli(['users', 'add', '--email', 'x@example.com', '--role', 'manager', '--practice', 'nope'], dir);
    expect(unknownPractice.status).not.toBe(0);
    expect(unknownPractice.stderr).toContain('no practice "nope"');
  }, 120_000);

  it('stops on a bad environment with one line naming the variable', async () => {
    const r = await runCli(['migrate'], { ...bareEnv(tempDir()), PORT: 'abc' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('Invalid environment: PORT must be a port number from 1 to 65535');
  }, 60_000);
});

describe('npm start on a fresh clone', () => {
  it('migrates, seeds the demo practice once, serves, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const port = await freePort();
    const start = async () => {
      const child = spawnEntry('server', bareEnv(dir, { PORT: String(port) }));
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      await new Promise<void>((resolve, reject) => {
        const onData = () => out.includes('API docs') && resolve();
        child.stdout.on('data', onData);
        child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
      });
      return { child, output: () => out };
    };

    const first = await start();
    expect(first.output()).toContain(`http://localhost:${port}/api/docs`);
    const password = /with password: (\S+)/.exec(first.output())?.[1];
    expect(password).toBeTruthy();
    const health = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(health.status).toBe(200);
    const login = await fetch(`http://127.0.0.1:${port}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@maple-street.example.com', password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const list = (await (await fetch(`http://127.0.0.1:${port}/api/v1/conversations`, { headers: { cookie } })).json()) as { data: unknown[] };
    expect(list.data.length).toBeGreaterThan(0);
    const stoppedAt = Date.now();
    const exited = new Promise<number | null>((r) => first.child.on('exit', (code) => r(code)));
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(8000);

    const second = await start();
    expect(second.output()).not.toContain('Seeded the demo practice');
    const again = await fetch(`http://127.0.0.1:${port}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@maple-street.example.com', password }),
    });
    expect(again.status).toBe(200);
    const exited2 = new Promise<number | null>((r) => second.child.on('exit', (code) => r(code)));
    second.child.kill('SIGTERM');
    expect(await exited2).toBe(0);
  }, 120_000);
});

describe('npm run worker', () => {
  it('starts the BullMQ workers on Postgres and Redis, and stops cleanly on SIGTERM', async (ctx) => {
    const redisUrl = inject('redisUrl');
    const databaseUrl = await freshDatabaseUrl();
    if (!redisUrl || !databaseUrl) return ctx.skip();
    const child = spawnEntry('worker', bareEnv(tempDir(), { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: `sbt-${inject('runId')}-worker` }));
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.includes('workers running') && resolve());
      child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${out}`)));
    });
    expect(out).toMatch(/Switchboard workers running \(triage, send/);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
