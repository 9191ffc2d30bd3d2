/**
 * npm run eval:triage [-- --dir DIR ...] [--json] [--errors] [--holdout PATH]
 *
 * Prints, for each evaluation set (default: every folder under triage/eval/, each reported
 * separately), per category and per language: counts, emergency recall, urgent-or-worse
 * recall, routine->emergency and look-alike->emergency rates, needsHuman share and intent
 * macro-F1 where intents are labelled. Then the corpus test split (intent macro-F1) and the
 * physician safety scenarios (holdout: evaluation only, never trained or tuned on).
 * `--json` prints one JSON object instead.
 */
import { join, resolve } from 'node:path';
import { loadDefaultTriage, urgencyThresholds } from '../../triage/index.js';
import { loadCorpus, loadHazards, SHARED_SCENARIOS_DIR, splitCorpus } from './corpus.js';
import { defaultEvalDirs, evaluateSet, printSetReport, type SetReport } from './eval-sets.js';
import { evaluateHazards, evaluateSplit, partitionHoldout, TARGETS, type HazardMetrics, type SplitMetrics } from './metrics.js';

const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : `${(100 * x).toFixed(1)}%`);
const f3 = (x: number) => x.toFixed(3);

export function printSplit(title: string, m: SplitMetrics, out: (s: string) => void = console.log) {
  out(`\n== ${title} (${m.n} messages) ==`);
  out('intent                   precision  recall     F1  support');
  for (const s of m.perIntent) {
    out(`${s.intent.padEnd(24)} ${f3(s.precision).padStart(9)} ${f3(s.recall).padStart(7)} ${f3(s.f1).padStart(6)} ${String(s.support).padStart(8)}`);
  }
  out(`macro-F1 overall ${f3(m.macroF1)}   ${Object.entries(m.macroF1ByLanguage).map(([l, v]) => `${l} ${f3(v)}`).join('   ')}`);
  out('\nurgency confusion (rows gold, columns predicted)');
  out(`${'gold \\ pred'.padEnd(12)} ${'emergency'.padStart(10)} ${'urgent'.padStart(8)} ${'routine'.padStart(8)}`);
  for (const [g, row] of Object.entries(m.urgencyConfusion)) {
    out(`${g.padEnd(12)} ${String(row.emergency).padStart(10)} ${String(row.urgent).padStart(8)} ${String(row.routine).padStart(8)}`);
  }
  out(`emergency recall ${f3(m.emergencyRecall)}  precision ${f3(m.emergencyPrecision)}  urgent-or-emergency recall ${f3(m.urgentOrEmergencyRecall)}  routine->emergency ${pct(m.routineToEmergencyRate)}`);
}

export function printHazards(title: string, m: HazardMetrics, out: (s: string) => void = console.log) {
  out(`${title.padEnd(34)} rows ${String(m.n).padStart(4)}  emergencies rated emergency ${pct(m.emergencyRatedEmergency)} (of ${m.emergencyRows})  needsHuman ${pct(m.needsHumanShare)}  avoid_false_alarm rated emergency ${pct(m.falseAlarmRatedEmergency)} (of ${m.falseAlarmRows})`);
}

function argValues(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === name && process.argv[i + 1]) out.push(process.argv[i + 1]!);
    else if (a.startsWith(`${name}=`)) out.push(a.slice(name.length + 1));
  });
  return out;
}

function holdoutPath(): string {
  const given = argValues('--holdout')[0];
  if (given) return resolve(given);
  if (process.env.TRIAGE_HOLDOUT) return resolve(process.env.TRIAGE_HOLDOUT);
  return join(SHARED_SCENARIOS_DIR, 'hazard_scenarios_holdout.json');
}

// NaN is not JSON: report a figure without rows as null
const jsonSafe = (_k: string, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v);

if (import.meta.url === `file://${process.argv[1]}`) {
  const asJson = process.argv.includes('--json');
  const showErrors = process.argv.includes('--errors');
  const triage = loadDefaultTriage();
  const dirs = argValues('--dir').map((d) => resolve(d));
  const sets: SetReport[] = (dirs.length ? dirs : defaultEvalDirs()).map((d) => evaluateSet(triage, d));

  const { test } = splitCorpus(loadCorpus());
  const split = evaluateSplit(triage, test);

  const path = holdoutPath();
  const holdout = loadHazards(path);
  let physician: Record<string, HazardMetrics> | null = null;
  if (holdout) {
    const train = loadHazards(join(path, '..', 'hazard_scenarios_train.json')) ?? [];
    const { derived, rest } = partitionHoldout(holdout, train);
    physician = {
      derivedFromTrain: evaluateHazards(triage, derived),
      rest: evaluateHazards(triage, rest),
      all: evaluateHazards(triage, [...derived, ...rest]),
    };
    const benign = loadHazards(join(path, '..', 'benign_scenarios.json'));
    if (benign) physician.benign = evaluateHazards(triage, benign);
  }

  if (asJson) {
    const { errors: _e, ...splitFigures } = split;
    console.log(JSON.stringify({ thresholds: urgencyThresholds, sets: sets.map((s) => (showErrors ? s : { ...s, misses: undefined })), corpusTestSplit: splitFigures, physician }, jsonSafe));
  } else {
    console.log(`urgency thresholds: ${JSON.stringify(urgencyThresholds)}`);
    for (const s of sets) {
      printSetReport('evaluation set', s);
      if (showErrors) for (const m of s.misses) console.log(`  [${m.category}/${m.language}] ${m.gold} -> ${m.predicted}: ${m.text}`);
    }
    printSplit('corpus test split', split);
    if (showErrors) for (const e of split.errors) console.log(`  ${e.gold} -> ${e.predicted}: ${e.text.replace(/\n/g, ' ')}`);
    if (!physician) console.log(`\nphysician safety scenarios: skipped, ${path} not found`);
    else {
      console.log(`\n== physician safety scenarios (holdout ${holdout!.length} rows; duplicates of train rows dropped) ==`);
      printHazards('derived from train (+stock sentence)', physician.derivedFromTrain!);
      printHazards('the rest', physician.rest!);
      printHazards('all (without duplicates)', physician.all!);
      if (physician.benign) printHazards('benign scenarios (training data)', physician.benign);
      // the holdout's texts are never printed: it is for evaluation only, not for tuning
    }
    console.log(`\ntargets: emergency recall 1.0 and urgent-or-worse recall >= 0.97 per language; routine->emergency <= 5%; look-alike->emergency <= 10%; intent macro-F1 >= ${TARGETS.macroF1}`);
  }
}
