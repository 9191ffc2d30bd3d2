/**
 * Trains the intent model from triage/corpus/*.jsonl (train side of the split, plus
 * corrections.jsonl and the physician hazard *train* file when present) and writes
 * triage/model/model.json. Deterministic: same corpus, same model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainSoftmax } from '../../triage/classifier.js';
import type { TriageModel } from '../../triage/engine.js';
import { detectLanguage } from '../../triage/language.js';
import { normalizeText, words } from '../../triage/normalize.js';
import { features } from '../../triage/tokenize.js';
import { correctTypos } from '../../triage/typos.js';
import { intents, type Channel, type Intent } from '../../triage/types.js';
import { hash32, loadCorpus, loadHazards, REPO_ROOT, SHARED_SCENARIOS_DIR, splitCorpus } from './corpus.js';

export function featurize(text: string, channel?: Channel): string[] {
  const ws = words(correctTypos(normalizeText(text)));
  return features(ws, detectLanguage(text, ws), channel);
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

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const model = buildModel();
  const dir = join(REPO_ROOT, 'triage/model');
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(model);
  writeFileSync(join(dir, 'model.json'), json);
  console.log(
    `trained on ${model.trainedOn.examples} examples, ${Object.keys(model.intent.weights).length} features, ` +
      `${(json.length / 1024).toFixed(0)} KiB, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}
