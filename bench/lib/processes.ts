import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { build, distDir, isStale } from '../../bin/build.mjs';
import { onCleanup } from './scratch-db';

/** dist/ built from the current sources: benchmarks measure the compiled code `npm start` runs, not tsx. */
export async function ensureBuilt() {
  if (isStale()) await build({ quiet: true });
}

export interface Child {
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a Node process and resolves once a line of its stdout contains `readyWhen`. Its
 * stderr goes to ours; stopping sends SIGTERM and waits for the exit.
 */
export async function startProcess(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; readyWhen: string; name: string; nodeArgs?: string[]; /** a file for its stderr (its logs); default: ours */ logFile?: string },
): Promise<Child> {
  const stderr = opts.logFile ? openSync(opts.logFile, 'a') : 'inherit';
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...args], { env: opts.env, stdio: ['ignore', 'pipe', stderr] });
  if (typeof stderr === 'number') closeSync(stderr);
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => ((exited = true), r())));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes(opts.readyWhen)) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${opts.name} exited (${code}) before it was ready`)));
  });
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    await exit;
  };
  onCleanup(stop);
  return { process: child, stop };
}

export const distEntry = (name: 'server' | 'worker' | 'cli') => join(distDir, `${name}.js`);

/** a port nobody else is likely to take on a shared machine */
export const freePort = () => 20000 + Math.floor(Math.random() * 20000);

/** The Twilio account the benchmarks sign webhooks for, and the public address they are signed against. */
export const benchTwilio = { accountSid: 'ACbench', authToken: 'bench-auth-token', publicBase: 'https://bench.switchboard.test' };

/**
 * The environment of a compiled Switchboard process on a benchmark's own database: production
 * mode, jobs on the machine's Redis under the database's name (so a Redis URL makes the server
 * HTTP only), simulated sending, Twilio webhooks signed with the bench's token.
 */
export function switchboardEnv(db: { name: string; url: string }, port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: db.name,
    HOST: '127.0.0.1',
    PORT: String(port),
    TWILIO_AUTH_TOKEN: benchTwilio.authToken,
    TWILIO_ACCOUNT_SID: benchTwilio.accountSid,
    SEND_MODE: 'simulate',
    PUBLIC_BASE_URL: benchTwilio.publicBase,
    LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    DATA_DIR: join(tmpdir(), db.name),
    ...extra,
  };
}
