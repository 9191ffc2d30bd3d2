/**
 * npm run eval:triage [-- --holdout PATH] (or TRIAGE_HOLDOUT=PATH): prints the figures of
 * issue 5 for the corpus test split and the physician safety scenarios.
 */
import { join, resolve } from 'node:path';
import { loadDefaultTriage } from '../../triage/index.js';
import { loadCorpus, loadHazards, SHARED_SCENARIOS_DIR, splitCorpus } from './corpus.js';
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

function holdoutPath(): string {
  const i = process.argv.indexOf('--holdout');
  if (i > 0 && process.argv[i + 1]) return resolve(process.argv[i + 1]!);
  if (process.env.TRIAGE_HOLDOUT) return resolve(process.env.TRIAGE_HOLDOUT);
  return join(SHARED_SCENARIOS_DIR, 'hazard_scenarios_holdout.json');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const triage = loadDefaultTriage();
  const { test } = splitCorpus(loadCorpus());
  const m = evaluateSplit(triage, test);
  printSplit('corpus test split', m);
  if (process.argv.includes('--errors')) for (const e of m.errors) console.log(`  ${e.gold} -> ${e.predicted}: ${e.text.replace(/\n/g, ' ')}`);

  const path = holdoutPath();
  const holdout = loadHazards(path);
  if (!holdout) {
    console.log(`\nphysician safety scenarios: skipped, ${path} not found`);
  } else {
    const train = loadHazards(join(path, '..', 'hazard_scenarios_train.json')) ?? [];
    const { duplicates, derived, rest } = partitionHoldout(holdout, train);
    console.log(`\n== physician safety scenarios (holdout ${holdout.length} rows; ${duplicates.length} also in train dropped) ==`);
    printHazards('derived from train (+stock sentence)', evaluateHazards(triage, derived));
    printHazards('the rest', evaluateHazards(triage, rest));
    printHazards('all (without duplicates)', evaluateHazards(triage, [...derived, ...rest]));
    const benign = loadHazards(join(path, '..', 'benign_scenarios.json'));
    if (benign) printHazards('benign scenarios (training data)', evaluateHazards(triage, benign));
  }
  console.log(`\ntargets: macro-F1 >= ${TARGETS.macroF1}, emergency recall ${TARGETS.emergencyRecall}, physician emergencies >= ${TARGETS.physicianEmergencyRated}, needsHuman >= ${TARGETS.physicianNeedsHuman}, routine->emergency <= ${TARGETS.routineToEmergencyMax * 100}%`);
}
