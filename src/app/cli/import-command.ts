import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Database } from '../../platform/db/client';
import type { Clock } from '../../platform/clock';
import { localParts } from '../../platform/time';
import { findPractice } from '../../practices/practices';
import {
  ImportError,
  importAppointmentsCsv,
  importFhirBundle,
  importFhirServer,
  type ImportOptions,
  type ImportSummary,
} from '../../scheduling/appointment-import';

export interface ImportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  clock: Clock;
}

/** `\r[#####     ] 120/400`, redrawn in place; only on a terminal, so logs and pipes stay clean. */
export function progressBar(stderr: ImportIo['stderr']) {
  if (!stderr.isTTY) return { update: (_d: number, _t: number) => {}, done: () => {} };
  let lastDrawn = -1;
  let drawnAt = 0;
  let shown = false;
  return {
    update(done: number, total: number) {
      const now = Date.now();
      if (done === lastDrawn || (done !== total && now - drawnAt < 50)) return;
      lastDrawn = done;
      drawnAt = now;
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`);
      shown = true;
    },
    done() {
      if (shown) stderr.write('\n');
    },
  };
}

export function formatSummary(s: ImportSummary): string {
  const extra = (['cancelled', 'held', 'skipped'] as const).filter((k) => s[k] > 0).map((k) => `, ${s[k]} ${k}`).join('');
  const lines = [`${s.total} read: ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged${extra}, ${s.rejected.length} rejected`];
  for (const r of s.rejected) lines.push(`  rejected line ${r.line}${r.resource ? ` (${r.resource})` : ''}: ${r.reason}`);
  return lines.join('\n') + '\n';
}

/**
 * `ehr sync --practice P`: the practice's EHR sync now, from its saved connection (the
 * server's EHR_SECRET_KEY opens its credentials), with a progress bar on a terminal and the
 * summary on stdout. Exit 1 when the sync failed.
 */
export async function ehrSyncCommand(db: Database, args: string[], io: ImportIo & { secretKey: string | undefined }): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { practice: { type: 'string' } } });
  if (positionals[0] !== 'sync') throw new UsageErrorLike('usage: ehr sync --practice P');
  if (!values.practice) throw new UsageErrorLike('--practice is required');
  const practice = await findPractice(db, values.practice);
  if (!practice) {
    io.stderr.write(`no practice "${values.practice}"\n`);
    return 1;
  }
  const bar = progressBar(io.stderr);
  const { syncPractice } = await import('../../scheduling/ehr/sync');
  let result;
  try {
    result = await syncPractice({ db, clock: io.clock, env: { EHR_SECRET_KEY: io.secretKey } }, practice.id, { trigger: 'cli', actor: 'system', onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.done();
  }
  const { run, summary } = result;
  io.stdout.write(formatSummary(summary));
  for (const p of run.problems.filter((x) => x.level === 'warning')) io.stdout.write(`  warning${p.resource ? ` (${p.resource})` : ''}: ${p.reason}\n`);
  if (run.status === 'failed') {
    io.stderr.write(`sync failed: ${run.error}\n`);
    return 1;
  }
  return 0;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);
const localDate = (d: Date, zone: string) => localParts(d, zone).date;

/**
 * `import appointments FILE|URL --practice P [--from D --to D] [--token T]`. A file ending in
 * .json (or starting with `{`) is a FHIR Bundle, anything else CSV; an http(s) URL is a FHIR
 * server base. Exit 0 when it ran, rejected rows included; 1 when nothing could be read.
 */
export async function importCommand(db: Database, args: string[], io: ImportIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { practice: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, token: { type: 'string' } },
  });
  const [what, source] = positionals;
  if (what !== 'appointments' || !source) throw new UsageErrorLike('usage: import appointments FILE|URL --practice P [--from YYYY-MM-DD --to YYYY-MM-DD] [--token T]');
  if (!values.practice) throw new UsageErrorLike('--practice is required');
  const practice = await findPractice(db, values.practice);
  if (!practice) {
    io.stderr.write(`no practice "${values.practice}"\n`);
    return 1;
  }
  const bar = progressBar(io.stderr);
  const now = io.clock.now();
  const opts: ImportOptions = { practice, now, actor: 'system', onProgress: (d, t) => bar.update(d, t) };
  let summary: ImportSummary;
  try {
    if (isUrl(source)) {
      const from = values.from ?? localDate(now, practice.timeZone);
      const to = values.to ?? localDate(new Date(now.getTime() + 90 * 86_400_000), practice.timeZone);
      summary = await importFhirServer(db, { baseUrl: source, token: values.token ?? io.env.FHIR_TOKEN ?? null, from, to }, opts);
    } else {
      let text: string;
      try {
        text = await readFile(source, 'utf8');
      } catch (err) {
        throw new ImportError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      if (/\.json$/i.test(source) || /^\uFEFF?\s*\{/.test(text)) {
        let json: unknown;
        try {
          json = JSON.parse(text.replace(/^\uFEFF/, ''));
        } catch {
          throw new ImportError(`${source} is not valid JSON`);
        }
        summary = await importFhirBundle(db, json, opts);
      } else {
        summary = await importAppointmentsCsv(db, text, opts);
      }
    }
  } catch (err) {
    bar.done();
    if (err instanceof ImportError) {
      io.stderr.write(`import failed: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  bar.done();
  io.stdout.write(formatSummary(summary));
  return 0;
}

/** cli.ts turns this into its usage message (exit 2). */
export class UsageErrorLike extends Error {
  override name = 'UsageError';
}
