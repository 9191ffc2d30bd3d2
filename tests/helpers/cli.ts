import { spawn, spawnSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { main } from '../../src/app/cli/main';

export const repoRoot = new URL('../..', import.meta.url).pathname;

/** The environment of a fresh machine: nothing configured but a data directory. */
export function bareEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, ...extra };
}

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** The `switchboard` command in this process, through its exported main(argv, io). */
export async function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<CliRun> {
  const stdout = new Collect();
  const stderr = new Collect();
  const status = await main(args, { stdin: Readable.from([stdin]), stdout, stderr, env });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

/** The compiled command as a process (the smoke test of the entry point). */
export function spawnCli(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['bin/run.mjs', 'cli', ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 });
}

/** A compiled entry point (server, worker) as a background process. */
export function spawnEntry(entry: 'server' | 'worker', env: Record<string, string>) {
  return spawn(process.execPath, ['bin/run.mjs', entry], { cwd: repoRoot, env });
}
