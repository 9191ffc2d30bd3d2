/**
 * `npm run db:ingest-function`: after editing migrations/functions/sb_ingest_inbound.sql,
 * writes a new drizzle migration that applies it (drizzle-kit makes the empty migration and
 * its journal entry; this fills it with the canonical file). Applied migrations are never
 * edited; the test in tests/unit/ingest-function.test.ts fails until this has been run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../platform/paths';

const name = process.argv[2] ?? 'ingest_function';
const migrations = fromRoot('migrations');
const before = new Set(readdirSync(migrations));
execFileSync(process.execPath, [fromRoot('node_modules/drizzle-kit/bin.cjs'), 'generate', '--custom', `--name=${name}`], { cwd: fromRoot(), stdio: 'inherit' });
const made = readdirSync(migrations).find((f) => f.endsWith('.sql') && !before.has(f));
if (!made) throw new Error('drizzle-kit made no migration');
const canonical = readFileSync(join(migrations, 'functions', 'sb_ingest_inbound.sql'), 'utf8');
writeFileSync(join(migrations, made), canonical);
process.stdout.write(`wrote migrations/${made} from migrations/functions/sb_ingest_inbound.sql\n`);
