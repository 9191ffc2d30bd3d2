import { parseArgs } from 'node:util';
import type { DatabaseHandle } from '../../platform/db/client';
import { EnvError, parseEnv, type Env } from '../../platform/env';
import { AppError } from '../../platform/errors';
import { systemClock } from '../../platform/clock';
import { errorSummary } from '../../platform/logger';

// Commands load what they need when they run, so `triage` starts without the database
// and the services (the CLI answers its first line fast).
const isDatabaseBusy = (err: unknown) => (err as { name?: string } | null)?.name === 'DatabaseBusyError';

const usage = `Usage: npm run cli -- <command> [options]

Commands:
  migrate                                  apply database migrations, then move inline attachments to the blob store
  seed --demo                              add the demo practice (if it is not there)
  users add --email E --role admin|manager|assistant [--practice P]... [--queues k1,k2] [--password W] [--name N]
                                           add a person; without --password one is generated and printed
  users password --email E [--password W]  set (or generate) a password
  tokens create --role admin|manager|assistant|portal --name N [--practice P]
                                           make an API token; printed alone on the last line
  triage [--explain] [--time-zone Z]       JSONL {id,text,channel?,receivedAt?} on stdin -> one triage result per line
  simulate [--count N] [--rate R] [--to +1...] [--target URL] [--seed S]
                                           play realistic signed patient texts against a running server
  import appointments FILE|URL --practice P [--from YYYY-MM-DD --to YYYY-MM-DD] [--token T]
                                           appointments from a CSV, a FHIR R4 Bundle (.json) or a FHIR server
                                           (token also from FHIR_TOKEN); summary on stdout, bad rows listed
  ehr sync --practice P                    sync the practice's schedule with its EHR now (its saved connection;
                                           needs EHR_SECRET_KEY); progress bar, summary on stdout
  corrections export [--since YYYY-MM-DD]  people's triage corrections as JSONL training rows on stdout
                                           (append to triage/corpus/corrections.jsonl, then npm run train:triage)
P is a practice's id or slug.`;

class UsageError extends Error {}

async function withDatabase<T>(env: Env, fn: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  const { openDatabase } = await import('../../platform/db/client');
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, max: 2 });
  try {
    await handle.migrate();
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

function need(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`--${flag} is required`);
  return value;
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.stdout.write(usage + '\n');
    return command ? 0 : 2;
  }

  if (command === 'triage') {
    const { values } = parseArgs({
      args: argv.slice(1),
      options: { explain: { type: 'boolean', default: false }, 'time-zone': { type: 'string' } },
    });
    const { runTriageCommand } = await import('./triage-command');
    const result = await runTriageCommand(io.stdin, io.stdout, {
      explain: values.explain ?? false,
      timeZone: values['time-zone'],
    });
    io.stderr.write(`triaged ${result.lines} line(s), ${result.errors} error(s)\n`);
    return 0;
  }

  const env = parseEnv(io.env);
  if (command === 'simulate') return (await import('./simulate')).simulateCommand(env, argv.slice(1), io.stdout, io.stderr);

  switch (command) {
    case 'migrate': {
      // the schema, then the data step: attachments kept inline by older versions move to the blob store
      const { kind, moved, queued } = await withDatabase(env, async (h) => {
        const { createBlobStore } = await import('../../platform/blobs/index');
        const { moveInlineAttachments } = await import('../../intake/media/media-job');
        const { createLogger } = await import('../../platform/logger');
        const r = await moveInlineAttachments(h.db, await createBlobStore(env), createLogger({ level: 'silent' }), new Date());
        return { kind: `${h.kind} at ${h.location}`, ...r };
      });
      io.stdout.write(`Migrations applied (${kind}).${moved || queued ? ` Moved ${moved} inline attachment(s) to the blob store; ${queued} provider link(s) queued to fetch.` : ''}\n`);
      return 0;
    }
    case 'seed': {
      const { findPractice } = await import('../../practices/practices');
      const { demoPractice, seedDemo } = await import('../seed');
      const { values } = parseArgs({ args: argv.slice(1), options: { demo: { type: 'boolean', default: false } } });
      if (!values.demo) throw new UsageError('seed needs --demo');
      return withDatabase(env, async ({ db }) => {
        if (await findPractice(db, demoPractice.slug)) {
          io.stdout.write(`The demo practice (${demoPractice.slug}) is already there.\n`);
          return 0;
        }
        const { createBlobStore } = await import('../../platform/blobs/index');
        const admin = await seedDemo(db, systemClock, await createBlobStore(env));
        io.stdout.write(`Seeded the demo practice. Sign in as ${admin.email} with password: ${admin.password}\n`);
        return 0;
      });
    }
    case 'users': {
      const { addUser, setPassword } = await import('../../staff/people');
      const { values } = parseArgs({
        args: rest,
        options: {
          email: { type: 'string' },
          role: { type: 'string' },
          practice: { type: 'string', multiple: true },
          queues: { type: 'string' },
          password: { type: 'string' },
          name: { type: 'string' },
        },
      });
      if (sub === 'add') {
        return withDatabase(env, async ({ db }) => {
          const r = await addUser(db, 'system', {
            email: need(values.email, 'email'),
            role: need(values.role, 'role') as 'admin',
            practices: values.practice ?? [],
            queues: values.queues ? values.queues.split(',').map((q) => q.trim()).filter(Boolean) : undefined,
            password: values.password,
            name: values.name,
          });
          io.stdout.write(`Added ${r.user.role} ${r.user.email} (${r.user.id}).\n`);
          if (r.generated) io.stdout.write(`Password: ${r.password}\n`);
          return 0;
        });
      }
      if (sub === 'password') {
        return withDatabase(env, async ({ db }) => {
          const r = await setPassword(db, need(values.email, 'email'), values.password);
          io.stdout.write(r.generated ? `Password: ${r.password}\n` : 'Password changed.\n');
          return 0;
        });
      }
      throw new UsageError(`unknown users command "${sub ?? ''}"`);
    }
    case 'tokens': {
      const { createToken } = await import('../../staff/people');
      if (sub !== 'create') throw new UsageError(`unknown tokens command "${sub ?? ''}"`);
      const { values } = parseArgs({
        args: rest,
        options: { role: { type: 'string' }, name: { type: 'string' }, practice: { type: 'string' } },
      });
      return withDatabase(env, async ({ db }) => {
        const r = await createToken(db, 'system', {
          role: need(values.role, 'role') as 'admin',
          name: need(values.name, 'name'),
          practice: values.practice,
        });
        io.stdout.write(
          `Made a ${r.view.role} token "${r.view.name}" (${r.view.id})${r.view.practiceId ? ` for practice ${r.view.practiceId}` : ' for every practice'}. It is shown once:\n${r.token}\n`,
        );
        return 0;
      });
    }
    case 'import': {
      const { importCommand, UsageErrorLike } = await import('./import-command');
      return withDatabase(env, ({ db }) =>
        importCommand(db, argv.slice(1), { stdout: io.stdout, stderr: io.stderr, env: io.env, clock: systemClock }).catch((err) => {
          throw err instanceof UsageErrorLike ? new UsageError(err.message) : err;
        }),
      );
    }
    case 'ehr': {
      const { ehrSyncCommand, UsageErrorLike } = await import('./import-command');
      return withDatabase(env, ({ db }) =>
        ehrSyncCommand(db, argv.slice(1), { stdout: io.stdout, stderr: io.stderr, env: io.env, clock: systemClock, secretKey: env.EHR_SECRET_KEY }).catch((err) => {
          throw err instanceof UsageErrorLike ? new UsageError(err.message) : err;
        }),
      );
    }
    case 'corrections': {
      const { exportCorrections } = await import('../../routing/triage-corrections');
      if (sub !== 'export') throw new UsageError(`unknown corrections command "${sub ?? ''}"`);
      const { values } = parseArgs({ args: rest, options: { since: { type: 'string' } } });
      const since = values.since ? new Date(values.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new UsageError('--since must be a date such as 2026-11-01');
      return withDatabase(env, async ({ db }) => {
        const rows = await exportCorrections(db, since);
        for (const r of rows) io.stdout.write(JSON.stringify(r) + '\n');
        io.stderr.write(`exported ${rows.length} correction(s)\n`);
        return 0;
      });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}


/** Where a command reads and writes: the process's streams, or a test's. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });

/** Runs one command; the exit code is returned, never thrown (2: usage, 1: failure). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${err.message}\n\n${usage}\n`);
      return 2;
    }
    if (err instanceof EnvError || isDatabaseBusy(err) || err instanceof AppError) {
      io.stderr.write(`${(err as Error).message}\n`);
      return 1;
    }
    if ((err as { name?: string }).name === 'ZodError') {
      const issues = (err as { issues: { path: (string | number)[]; message: string }[] }).issues;
      io.stderr.write(`${issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}\n`);
      return 1;
    }
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      io.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
      return 2;
    }
    // class and code only: an unexpected error (a failed query) can quote patient data
    io.stderr.write(`failed: ${errorSummary(err)}\n`);
    return 1;
  }
}
