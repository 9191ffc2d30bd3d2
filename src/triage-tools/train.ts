/**
 * npm run train:triage: rebuilds, deterministically, everything triage/ loads:
 * 1. triage/lexicon/near-words.json (real words the typo corrector leaves alone);
 * 2. triage/model/model.json, the intent model, from triage/corpus/*.jsonl (train side of the
 *    split, plus corrections.jsonl and the physician hazard *train* file when present);
 * 3. triage/model/urgency.json, the urgency model: natural's BayesClassifier over concept and
 *    lemma features, trained on the generated corpus (urgency-corpus.ts), the corpus train
 *    split with its urgency labels, staff corrections and the physician train file (never
 *    the physician holdout, never triage/eval/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import natural from 'natural/lib/natural/classifiers/index.js';
import { trainSoftmax } from '../../triage/classifier.js';
import type { TriageModel } from '../../triage/engine.js';
import { readMessage } from '../../triage/read.js';
import { intents, type Channel, type Intent, type Urgency } from '../../triage/types.js';
import { assessUrgency } from '../../triage/urgency.js';
import type { UrgencyModel } from '../../triage/urgency-model.js';
import { buildNearWords } from './build-lexicon.js';
import { EMERGENCY_HAZARDS, hash32, loadCorpus, loadHazards, REPO_ROOT, SHARED_SCENARIOS_DIR, splitCorpus } from './corpus.js';
import { generateUrgencyCorpus } from './urgency-corpus.js';

export function featurize(text: string, channel?: Channel): string[] {
  return readMessage(text, channel).intentFeatures;
}

export function buildModel(opts: { includeTest?: boolean } = {}): TriageModel {
  const corpus = loadCorpus();
  const { train, test } = splitCorpus(corpus);
  const rows: { text: string; intent: Intent; channel?: Channel; weight: number }[] = (opts.includeTest ? [...train, ...test] : train).map(
    (r) => ({ text: r.text, intent: r.intent, ...(r.channel ? { channel: r.channel } : {}), weight: r.source === 'corrections.jsonl' ? 2 : 1 }),
  );
  // physician-written hazard messages (train file only): all are clinical questions except the
  // requests for records, which a person must vet
  const hazards = loadHazards(join(SHARED_SCENARIOS_DIR, 'hazard_scenarios_train.json')) ?? [];
  for (const h of hazards) {
    const intent: Intent = h.hazard_type.startsWith('privacy') ? 'records_request' : 'clinical_question';
    rows.push({ text: h.prompt, intent, weight: 0.5 });
  }
  const examples = rows.map((r) => ({ features: featurize(r.text, r.channel), label: r.intent }));
  const intent = trainSoftmax(examples, intents, { epochs: 20, learningRate: 0.1, l2: 1e-2, minCount: 1, seed: 7, sampleWeights: rows.map((r) => r.weight) });
  const corpusHash = hash32(rows.map((r) => `${r.intent}\t${r.text}`).join('\n')).toString(16);
  return { version: 1, trainedOn: { examples: rows.length, corpusHash }, intent };
}

/** Concept and lemma features of a message, as the engine computes them (empty: nothing clinical). */
export function urgencyFeaturesOf(text: string): string[] {
  const m = readMessage(text);
  return assessUrgency(m.tokens, m.corrected, m.language, text, null).features;
}

export interface UrgencyRow {
  text: string;
  urgency: Urgency;
  source: string;
}

export function urgencyTrainingRows(): UrgencyRow[] {
  const rows: UrgencyRow[] = generateUrgencyCorpus().map((e) => ({ text: e.text, urgency: e.urgency, source: 'generated' }));
  const { train } = splitCorpus(loadCorpus());
  for (const r of train) rows.push({ text: r.text, urgency: r.urgency, source: r.source });
  const hazards = loadHazards(join(SHARED_SCENARIOS_DIR, 'hazard_scenarios_train.json')) ?? [];
  for (const h of hazards) {
    const urgency: Urgency = h.required_actions.includes('avoid_false_alarm') ? 'routine' : EMERGENCY_HAZARDS.has(h.hazard_type) ? 'emergency' : 'urgent';
    rows.push({ text: h.prompt, urgency, source: 'physician-train' });
  }
  return rows;
}

type NaturalBayes = InstanceType<typeof natural.BayesClassifier>;

/**
 * natural's BayesClassifier as a compact sparse model: per feature and class
 * log((count or smoothing) / class total), and the log prior, exactly the sums natural's
 * probabilityOfClass takes (in the log domain, so long messages do not underflow to 0).
 */
export function exportNaturalBayes(nb: NaturalBayes, trainedOn: UrgencyModel['trainedOn']): UrgencyModel {
  const apparatus = nb.classifier;
  const labels = Object.keys(apparatus.classFeatures).sort();
  const vocab = Object.keys(nb.features);
  const logp: Record<string, number[]> = {};
  vocab.forEach((feature, i) => {
    logp[feature] = labels.map((label) => {
      const count = apparatus.classFeatures[label]![i] || apparatus.smoothing;
      return Math.round(Math.log(count / apparatus.classTotals[label]!) * 1e4) / 1e4;
    });
  });
  return {
    version: 1,
    labels,
    prior: labels.map((l) => Math.round(Math.log(apparatus.classTotals[l]! / apparatus.totalExamples) * 1e4) / 1e4),
    logp,
    unseen: labels.map((l) => Math.round(Math.log(apparatus.smoothing / apparatus.classTotals[l]!) * 1e4) / 1e4),
    trainedOn,
  };
}

/** Features seen fewer times than this are dropped (noise, and a smaller model). */
const MIN_FEATURE_COUNT = 3;

export function buildUrgencyModel(): { model: UrgencyModel; examples: number; dropped: number } {
  const rows = urgencyTrainingRows();
  const docs: { features: string[]; label: Urgency }[] = [];
  let dropped = 0;
  for (const r of rows) {
    const features = urgencyFeaturesOf(r.text);
    // the engine consults the model only for messages that name something clinical
    if (!features.length) {
      dropped++;
      continue;
    }
    docs.push({ features, label: r.urgency });
  }
  const counts = new Map<string, number>();
  for (const d of docs) for (const f of d.features) counts.set(f, (counts.get(f) ?? 0) + 1);
  const keep = (f: string) => (counts.get(f) ?? 0) >= MIN_FEATURE_COUNT;
  // natural's own API: token arrays as documents, then train(); the vocabulary is its features
  const nb = new natural.BayesClassifier();
  for (const d of docs) {
    const kept = [...new Set(d.features.filter(keep))].sort();
    if (kept.length) nb.addDocument(kept, d.label);
  }
  nb.train();
  const corpusHash = hash32(docs.map((d) => `${d.label}\t${d.features.join(' ')}`).join('\n')).toString(16);
  return { model: exportNaturalBayes(nb, { examples: docs.length, corpusHash }), examples: docs.length, dropped };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const near = buildNearWords();
  writeFileSync(join(REPO_ROOT, 'triage/lexicon/near-words.json'), `${JSON.stringify(near)}\n`);
  console.log(`near-words.json: ${near.length} real words near a known word`);

  const model = buildModel();
  const dir = join(REPO_ROOT, 'triage/model');
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(model);
  writeFileSync(join(dir, 'model.json'), json);
  console.log(`intent model: ${model.trainedOn.examples} examples, ${Object.keys(model.intent.weights).length} features, ${(json.length / 1024).toFixed(0)} KiB`);

  const u = buildUrgencyModel();
  const ujson = JSON.stringify(u.model);
  writeFileSync(join(dir, 'urgency.json'), ujson);
  console.log(`urgency model (natural BayesClassifier): ${u.examples} examples with clinical content (${u.dropped} without), ${Object.keys(u.model.logp).length} features, ${(ujson.length / 1024).toFixed(0)} KiB`);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
