import { parseArgs } from 'node:util';
import { DatabaseBusyError, openDatabase, type DatabaseHandle } from './db/client';
import { EnvError, parseEnv, type Env } from './env';
import { AppError } from './lib/errors';
import { systemClock } from './lib/clock';
import { addUser, createToken, setPassword } from './services/people';
import { findPractice } from './services/practices';
import { demoPractice, seedDemo } from './services/seed';
import { exportCorrections } from './services/triage-corrections';

const usage = `Usage: npm run cli -- <command> [options]

Commands:
  migrate                                  apply database migrations
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
  corrections export [--since YYYY-MM-DD]  people's triage corrections as JSONL training rows on stdout
                                           (append to triage/corpus/corrections.jsonl, then npm run train:triage)
P is a practice's id or slug.`;

class UsageError extends Error {}

async function withDatabase<T>(env: Env, fn: (db: DatabaseHandle) => Promise<T>): Promise<T> {
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

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage + '\n');
    return command ? 0 : 2;
  }

  if (command === 'triage') {
    const { values } = parseArgs({
      args: argv.slice(1),
      options: { explain: { type: 'boolean', default: false }, 'time-zone': { type: 'string' } },
    });
    const { runTriageCommand } = await import('./cli/triage-command');
    const result = await runTriageCommand(process.stdin, process.stdout, {
      explain: values.explain ?? false,
      timeZone: values['time-zone'],
    });
    process.stderr.write(`triaged ${result.lines} line(s), ${result.errors} error(s)\n`);
    return 0;
  }

  const env = parseEnv();
  if (command === 'simulate') return (await import('./cli/simulate')).simulateCommand(env, argv.slice(1));

  switch (command) {
    case 'migrate': {
      const kind = await withDatabase(env, async (h) => `${h.kind} at ${h.location}`);
      process.stdout.write(`Migrations applied (${kind}).\n`);
      return 0;
    }
    case 'seed': {
      const { values } = parseArgs({ args: argv.slice(1), options: { demo: { type: 'boolean', default: false } } });
      if (!values.demo) throw new UsageError('seed needs --demo');
      return withDatabase(env, async ({ db }) => {
        if (await findPractice(db, demoPractice.slug)) {
          process.stdout.write(`The demo practice (${demoPractice.slug}) is already there.\n`);
          return 0;
        }
        const admin = await seedDemo(db, systemClock);
        process.stdout.write(`Seeded the demo practice. Sign in as ${admin.email} with password: ${admin.password}\n`);
        return 0;
      });
    }
    case 'users': {
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
          process.stdout.write(`Added ${r.user.role} ${r.user.email} (${r.user.id}).\n`);
          if (r.generated) process.stdout.write(`Password: ${r.password}\n`);
          return 0;
        });
      }
      if (sub === 'password') {
        return withDatabase(env, async ({ db }) => {
          const r = await setPassword(db, need(values.email, 'email'), values.password);
          process.stdout.write(r.generated ? `Password: ${r.password}\n` : 'Password changed.\n');
          return 0;
        });
      }
      throw new UsageError(`unknown users command "${sub ?? ''}"`);
    }
    case 'tokens': {
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
        process.stdout.write(
          `Made a ${r.view.role} token "${r.view.name}" (${r.view.id})${r.view.practiceId ? ` for practice ${r.view.practiceId}` : ' for every practice'}. It is shown once:\n${r.token}\n`,
        );
        return 0;
      });
    }
    case 'import': {
      const { importCommand, UsageErrorLike } = await import('./cli/import-command');
      return withDatabase(env, ({ db }) =>
        importCommand(db, argv.slice(1), { stdout: process.stdout, stderr: process.stderr, env: process.env, clock: systemClock }).catch((err) => {
          throw err instanceof UsageErrorLike ? new UsageError(err.message) : err;
        }),
      );
    }
    case 'corrections': {
      if (sub !== 'export') throw new UsageError(`unknown corrections command "${sub ?? ''}"`);
      const { values } = parseArgs({ args: rest, options: { since: { type: 'string' } } });
      const since = values.since ? new Date(values.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new UsageError('--since must be a date such as 2026-11-01');
      return withDatabase(env, async ({ db }) => {
        const rows = await exportCorrections(db, since);
        for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
        process.stderr.write(`exported ${rows.length} correction(s)\n`);
        return 0;
      });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${usage}\n`);
      process.exit(2);
    }
    if (err instanceof EnvError || err instanceof DatabaseBusyError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    if (err instanceof AppError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    if ((err as { name?: string }).name === 'ZodError') {
      const issues = (err as { issues: { path: (string | number)[]; message: string }[] }).issues;
      process.stderr.write(`${issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}\n`);
      process.exit(1);
    }
    if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
      process.exit(2);
    }
    process.stderr.write(`failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
