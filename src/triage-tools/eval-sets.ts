/**
 * Evaluation sets of issue 13 (`triage/eval/<set>/<group>.<lang>.jsonl`): loading and the
 * figures the issue asks for, per set, per category and per language.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Triage } from '../../triage/engine.js';
import { intents, urgencies, type Intent, type Language, type TriageResult, type Urgency } from '../../triage/types.js';
import { REPO_ROOT } from './corpus.js';

export const EVAL_DIR = join(REPO_ROOT, 'triage/eval');

export interface EvalRow {
  id: string;
  text: string;
  language: Language;
  category: string;
  urgency: Urgency;
  kind: 'positive' | 'lookalike' | 'routine';
  intent?: Intent;
  /** file the row came from */
  file: string;
}

const KINDS = ['positive', 'lookalike', 'routine'] as const;

/** Every `*.jsonl` in dir (not recursive), validated; a bad line throws with its file and line. */
export function loadEvalSet(dir: string): EvalRow[] {
  const rows: EvalRow[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        const where = `${join(dir, file)}:${i + 1}`;
        let r: Partial<EvalRow>;
        try {
          r = JSON.parse(line) as Partial<EvalRow>;
        } catch {
          throw new Error(`${where}: not JSON`);
        }
        if (typeof r.text !== 'string' || !r.text.trim()) throw new Error(`${where}: text`);
        if (r.language !== 'en' && r.language !== 'es') throw new Error(`${where}: language`);
        if (!(urgencies as readonly string[]).includes(r.urgency as string)) throw new Error(`${where}: urgency`);
        if (!(KINDS as readonly string[]).includes(r.kind as string)) throw new Error(`${where}: kind`);
        if (r.intent !== undefined && !(intents as readonly string[]).includes(r.intent)) throw new Error(`${where}: intent`);
        rows.push({
          id: String(r.id ?? `${file}:${i + 1}`),
          text: r.text,
          language: r.language,
          category: typeof r.category === 'string' && r.category ? r.category : 'uncategorised',
          urgency: r.urgency as Urgency,
          kind: r.kind as EvalRow['kind'],
          ...(r.intent ? { intent: r.intent } : {}),
          file,
        });
      });
  }
  return rows;
}

/** Folders under triage/eval/ that hold at least one .jsonl file, sorted (dev, test, ...). */
export function defaultEvalDirs(root = EVAL_DIR): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => statSync(d).isDirectory() && readdirSync(d).some((f) => f.endsWith('.jsonl')))
    .sort();
}

export interface Figures {
  n: number;
  emergencies: number;
  /** emergency rows rated emergency / emergency rows (NaN when none) */
  emergencyRecall: number;
  urgentOrWorse: number;
  /** urgent or emergency rows rated urgent or emergency */
  urgentOrWorseRecall: number;
  routineRows: number;
  routineToEmergency: number;
  lookalikeRows: number;
  lookalikeToEmergency: number;
  /** share of rows given needsHuman */
  needsHuman: number;
  intentRows: number;
  intentMacroF1: number;
}

export interface EvalMiss {
  id: string;
  text: string;
  language: Language;
  category: string;
  gold: Urgency;
  predicted: Urgency;
  kind: EvalRow['kind'];
}

export interface SetReport {
  dir: string;
  overall: Figures;
  byLanguage: Record<string, Figures>;
  /** key `${category}|${language}` */
  byCategory: Record<string, Figures>;
  misses: EvalMiss[];
}

const ratio = (a: number, b: number) => (b ? a / b : Number.NaN);

export function macroF1(gold: Intent[], pred: Intent[]): number {
  const labels = new Set(gold);
  let sum = 0;
  for (const label of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < gold.length; i++) {
      if (gold[i] === label && pred[i] === label) tp++;
      else if (pred[i] === label) fp++;
      else if (gold[i] === label) fn++;
    }
    const p = tp + fp ? tp / (tp + fp) : 0;
    const r = tp + fn ? tp / (tp + fn) : 0;
    sum += p + r ? (2 * p * r) / (p + r) : 0;
  }
  return labels.size ? sum / labels.size : Number.NaN;
}

export function figures(rows: EvalRow[], results: TriageResult[]): Figures {
  let em = 0;
  let emHit = 0;
  let uw = 0;
  let uwHit = 0;
  let rt = 0;
  let rtEm = 0;
  let la = 0;
  let laEm = 0;
  let human = 0;
  const gold: Intent[] = [];
  const pred: Intent[] = [];
  rows.forEach((row, i) => {
    const r = results[i]!;
    if (r.needsHuman) human++;
    if (row.urgency === 'emergency') {
      em++;
      if (r.urgency === 'emergency') emHit++;
    }
    if (row.urgency !== 'routine') {
      uw++;
      if (r.urgency !== 'routine') uwHit++;
    }
    if (row.kind === 'routine') {
      rt++;
      if (r.urgency === 'emergency') rtEm++;
    }
    if (row.kind === 'lookalike') {
      la++;
      if (r.urgency === 'emergency') laEm++;
    }
    if (row.intent) {
      gold.push(row.intent);
      pred.push(r.intent);
    }
  });
  return {
    n: rows.length,
    emergencies: em,
    emergencyRecall: ratio(emHit, em),
    urgentOrWorse: uw,
    urgentOrWorseRecall: ratio(uwHit, uw),
    routineRows: rt,
    routineToEmergency: ratio(rtEm, rt),
    lookalikeRows: la,
    lookalikeToEmergency: ratio(laEm, la),
    needsHuman: ratio(human, rows.length),
    intentRows: gold.length,
    intentMacroF1: gold.length ? macroF1(gold, pred) : Number.NaN,
  };
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  xs.forEach((x, i) => {
    const k = key(x);
    const list = out.get(k) ?? [];
    list.push(i);
    out.set(k, list);
  });
  return out;
}

export function evaluateSet(triage: Triage, dir: string, rows = loadEvalSet(dir)): SetReport {
  const results = rows.map((r) => triage.triage({ text: r.text }));
  const pick = (idx: number[]) => figures(idx.map((i) => rows[i]!), idx.map((i) => results[i]!));
  const byLanguage: Record<string, Figures> = {};
  for (const [lang, idx] of [...groupBy(rows, (r) => r.language)].sort()) byLanguage[lang] = pick(idx);
  const byCategory: Record<string, Figures> = {};
  const groupOrder = (r: EvalRow) => (r.kind === 'positive' ? (r.urgency === 'emergency' ? 0 : 1) : r.kind === 'lookalike' ? 2 : 3);
  const keys = [...groupBy(rows, (r) => `${groupOrder(r)}|${r.category}|${r.language}`)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, idx] of keys) byCategory[key.slice(2)] = pick(idx);
  const misses: EvalMiss[] = [];
  rows.forEach((row, i) => {
    const p = results[i]!.urgency;
    const missed =
      (row.urgency === 'emergency' && p !== 'emergency') ||
      (row.urgency === 'urgent' && p === 'routine') ||
      (row.kind !== 'positive' && p === 'emergency');
    if (missed) misses.push({ id: row.id, text: row.text, language: row.language, category: row.category, gold: row.urgency, predicted: p, kind: row.kind });
  });
  return { dir, overall: figures(rows, results), byLanguage, byCategory, misses };
}

const pct = (x: number) => (Number.isNaN(x) ? '    -' : `${(100 * x).toFixed(1)}%`.padStart(6));
const f3 = (x: number) => (Number.isNaN(x) ? '    -' : x.toFixed(3).padStart(5));

export function printSetReport(title: string, rep: SetReport, out: (s: string) => void = console.log) {
  out(`\n== ${title}: ${rep.dir} (${rep.overall.n} messages) ==`);
  const header = `${'category'.padEnd(24)} ${'lang'.padEnd(4)} ${'n'.padStart(4)}  ${'em.recall'.padStart(9)}  ${'urg+ recall'.padStart(11)}  ${'routine->em'.padStart(11)}  ${'lookalike->em'.padStart(13)}  ${'needsHuman'.padStart(10)}  ${'intent F1'.padStart(9)}`;
  const line = (name: string, lang: string, f: Figures) =>
    `${name.padEnd(24)} ${lang.padEnd(4)} ${String(f.n).padStart(4)}  ${pct(f.emergencyRecall).padStart(9)}  ${pct(f.urgentOrWorseRecall).padStart(11)}  ${pct(f.routineToEmergency).padStart(11)}  ${pct(f.lookalikeToEmergency).padStart(13)}  ${pct(f.needsHuman).padStart(10)}  ${f3(f.intentMacroF1).padStart(9)}`;
  out(header);
  for (const [key, f] of Object.entries(rep.byCategory)) {
    const [cat, lang] = key.split('|');
    out(line(cat!, lang!, f));
  }
  out('-'.repeat(header.length));
  for (const [lang, f] of Object.entries(rep.byLanguage)) out(line('all', lang, f));
  out(line('all', 'both', rep.overall));
}
