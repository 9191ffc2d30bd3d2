/**
 * What every benchmark prints: a human table, or with `--json` one JSON object per line
 * (one per measured thing), so a script can compare runs.
 */
export type Row = Record<string, string | number | boolean | null>;

export interface Reporter {
  row(row: Row): void;
  /** a line for people (progress, notes); kept off stdout in `--json` mode */
  note(text: string): void;
  /** prints the table (human mode); JSON rows went out as they came */
  flush(title: string): void;
}

export function reporter(json: boolean): Reporter {
  const rows: Row[] = [];
  return {
    row(row) {
      if (json) process.stdout.write(JSON.stringify(row) + '\n');
      else rows.push(row);
    },
    note(text) {
      process.stderr.write(text + '\n');
    },
    flush(title) {
      if (json || rows.length === 0) return;
      process.stdout.write(`\n${title}\n${table(rows)}\n`);
    },
  };
}

function cell(v: Row[string]): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  return String(v);
}

export function table(rows: Row[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => cell(r[c] ?? null)));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === 0 ? v.padEnd(width[i]!) : v.padStart(width[i]!))).join('  ');
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** p-th percentile (0..100) of ascending-sorted values */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
