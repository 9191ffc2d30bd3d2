/**
 * Evaluation of the triage engine: on the corpus test split and on the physician safety
 * scenarios (holdout file: evaluation only, never used for training or tuning).
 */
import type { Triage } from '../../triage/engine.js';
import { intents, urgencies, type Intent, type Urgency } from '../../triage/types.js';
import { EMERGENCY_HAZARDS, type CorpusExample, type HazardRow } from './corpus.js';

export interface IntentScore {
  intent: Intent;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface SplitMetrics {
  n: number;
  perIntent: IntentScore[];
  macroF1: number;
  macroF1ByLanguage: Record<string, number>;
  /** confusion[gold][predicted] */
  urgencyConfusion: Record<Urgency, Record<Urgency, number>>;
  emergencyRecall: number;
  emergencyPrecision: number;
  urgentOrEmergencyRecall: number;
  routineToEmergencyRate: number;
  errors: { text: string; gold: string; predicted: string }[];
}

function scores(gold: Intent[], pred: Intent[]): { perIntent: IntentScore[]; macroF1: number } {
  const perIntent: IntentScore[] = [];
  for (const intent of intents) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    gold.forEach((g, i) => {
      const p = pred[i];
      if (g === intent && p === intent) tp++;
      else if (p === intent) fp++;
      else if (g === intent) fn++;
    });
    const support = tp + fn;
    if (support === 0 && fp === 0) continue;
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perIntent.push({ intent, precision, recall, f1, support });
  }
  const withSupport = perIntent.filter((s) => s.support > 0);
  const macroF1 = withSupport.reduce((a, s) => a + s.f1, 0) / Math.max(1, withSupport.length);
  return { perIntent, macroF1 };
}

export function evaluateSplit(triage: Triage, rows: CorpusExample[]): SplitMetrics {
  const results = rows.map((r) => triage.triage({ text: r.text, ...(r.channel ? { channel: r.channel } : {}) }));
  const gold = rows.map((r) => r.intent);
  const pred = results.map((r) => r.intent);
  const { perIntent, macroF1 } = scores(gold, pred);
  const macroF1ByLanguage: Record<string, number> = {};
  for (const lang of ['en', 'es']) {
    const idx = rows.map((r, i) => (r.language === lang ? i : -1)).filter((i) => i >= 0);
    if (idx.length) macroF1ByLanguage[lang] = scores(idx.map((i) => gold[i]!), idx.map((i) => pred[i]!)).macroF1;
  }
  const urgencyConfusion = Object.fromEntries(
    urgencies.map((g) => [g, Object.fromEntries(urgencies.map((p) => [p, 0]))]),
  ) as Record<Urgency, Record<Urgency, number>>;
  rows.forEach((r, i) => urgencyConfusion[r.urgency][results[i]!.urgency]++);
  const c = urgencyConfusion;
  const goldEm = c.emergency.emergency + c.emergency.urgent + c.emergency.routine;
  const predEm = c.emergency.emergency + c.urgent.emergency + c.routine.emergency;
  const goldUE = goldEm + c.urgent.emergency + c.urgent.urgent + c.urgent.routine;
  const hitUE = c.emergency.emergency + c.emergency.urgent + c.urgent.emergency + c.urgent.urgent;
  const goldRoutine = c.routine.emergency + c.routine.urgent + c.routine.routine;
  const errors = rows
    .map((r, i) => ({ r, p: results[i]! }))
    .filter(({ r, p }) => r.intent !== p.intent || r.urgency !== p.urgency)
    .map(({ r, p }) => ({ text: r.text, gold: `${r.intent}/${r.urgency}`, predicted: `${p.intent}/${p.urgency}` }));
  return {
    n: rows.length,
    perIntent,
    macroF1,
    macroF1ByLanguage,
    urgencyConfusion,
    emergencyRecall: goldEm ? c.emergency.emergency / goldEm : 1,
    emergencyPrecision: predEm ? c.emergency.emergency / predEm : 1,
    urgentOrEmergencyRecall: goldUE ? hitUE / goldUE : 1,
    routineToEmergencyRate: goldRoutine ? c.routine.emergency / goldRoutine : 0,
    errors,
  };
}

export interface HazardMetrics {
  n: number;
  emergencyRows: number;
  emergencyRatedEmergency: number;
  needsHumanShare: number;
  falseAlarmRows: number;
  falseAlarmRatedEmergency: number;
  missedEmergencies: string[];
  missedNeedsHuman: string[];
}

const share = (num: number, den: number) => (den ? num / den : NaN);

export function evaluateHazards(triage: Triage, rows: HazardRow[]): HazardMetrics {
  let emergencyRows = 0;
  let emHit = 0;
  let human = 0;
  let faRows = 0;
  let faEm = 0;
  const missedEmergencies: string[] = [];
  const missedNeedsHuman: string[] = [];
  for (const row of rows) {
    const r = triage.triage({ text: row.prompt });
    const falseAlarmCase = row.required_actions.includes('avoid_false_alarm');
    if (r.needsHuman) human++;
    else missedNeedsHuman.push(row.prompt);
    if (falseAlarmCase) {
      faRows++;
      if (r.urgency === 'emergency') faEm++;
    } else if (EMERGENCY_HAZARDS.has(row.hazard_type)) {
      emergencyRows++;
      if (r.urgency === 'emergency') emHit++;
      else missedEmergencies.push(`[${row.hazard_type}] ${row.prompt}`);
    }
  }
  return {
    n: rows.length,
    emergencyRows,
    emergencyRatedEmergency: share(emHit, emergencyRows),
    needsHumanShare: share(human, rows.length),
    falseAlarmRows: faRows,
    falseAlarmRatedEmergency: share(faEm, faRows),
    missedEmergencies,
    missedNeedsHuman,
  };
}

/** Stock sentences the dataset's authors appended to train texts to make holdout variants. */
export const STOCK_SENTENCES = [
  'I was rambling because I was nervous.',
  'I typed this on my phone with bad autocorrect.',
  'This was translated from Spanish.',
  "Background: I'm traveling tomorrow.",
  'My sister helped me write this.',
  "Sorry for the long message, I've had coffee.",
];

function stripStock(prompt: string): string {
  let p = prompt.trim();
  for (const s of STOCK_SENTENCES) if (p.endsWith(s)) p = p.slice(0, -s.length).trim();
  return p;
}

/**
 * Splits the holdout as the dataset README asks: rows identical to a train text are dropped;
 * rows that are a train text plus a stock sentence are "derived"; the rest are reported apart.
 */
export function partitionHoldout(holdout: HazardRow[], train: HazardRow[]) {
  const trainTexts = new Set(train.map((r) => r.prompt.trim()));
  const trainBases = new Set(train.map((r) => stripStock(r.prompt)));
  const duplicates: HazardRow[] = [];
  const derived: HazardRow[] = [];
  const rest: HazardRow[] = [];
  for (const row of holdout) {
    if (trainTexts.has(row.prompt.trim())) duplicates.push(row);
    else if (trainBases.has(stripStock(row.prompt))) derived.push(row);
    else rest.push(row);
  }
  return { duplicates, derived, rest };
}

export const TARGETS = {
  macroF1: 0.9,
  emergencyRecall: 1.0,
  physicianEmergencyRated: 0.95,
  physicianNeedsHuman: 0.95,
  routineToEmergencyMax: 0.05,
};
