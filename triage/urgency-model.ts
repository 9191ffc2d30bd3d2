/**
 * The supervised urgency model beside the frames: natural's BayesClassifier (naive Bayes)
 * trained by `npm run train:triage` on concept and lemma features (src/triage-tools/train.ts),
 * exported to triage/model/urgency.json as per-class log-probabilities so that scoring here
 * is a sparse sum that needs neither natural nor its dense feature vectors at run time (a
 * unit test checks the scores equal natural's own). Features:
 * - concepts with their context: `c:chest` affirmed, `neg:`, `hist:`, `hyp:`, `res:`,
 *   `idiom:`, `oth:`; impaired functions `c:!breathe`, working ones `ok:breathe`;
 * - pairs of affirmed concepts in one sentence (`p:chest+pain`);
 * - measures in clinical bands (`m:spo2<90`), patient context (`x:infant`, `x:pregnant`);
 * - urgent frames that fired (`f:high_fever`);
 * - lemmas (Porter stems, English or Spanish by word), marked inside negation scope (`w:NEG_`).
 */
import type { TokenView } from './concepts.js';
import type { ContextResult } from './context.js';
import type { FrameHit } from './frames.js';
import { stem } from './tokenize.js';

export interface UrgencyModel {
  version: number;
  labels: string[];
  /** log P(class) */
  prior: number[];
  /** log P(feature | class) for features seen in training */
  logp: Record<string, number[]>;
  /** log P(unseen-in-class feature | class) (natural's smoothing count over the class total) */
  unseen: number[];
  trainedOn: { examples: number; corpusHash: string };
}

export interface UrgencyScore {
  emergency: number;
  urgentOrWorse: number;
  /** log-odds of emergency against the rest (for --explain) */
  logOdds: number;
  top: { feature: string; weight: number }[];
}

/**
 * Thresholds on the model's probabilities, chosen on the development set (triage/eval/dev,
 * `npx tsx src/triage-tools/thresholds.ts`): the lowest value at which the model alone raises
 * at most ~2.5% of dev look-alikes and ~1% of dev routine messages to emergency. At 0.9 the
 * model alone recalled 86% of dev emergencies (1.9% of look-alikes, 0% of routine raised); frames
 * and model together 100%. Urgent-or-worse at 0.95: model alone 98% of dev urgent-or-worse,
 * 4% of routine messages raised. `npm run eval:triage` prints them.
 */
export const URGENCY_THRESHOLDS = {
  emergency: 0.9,
  urgent: 0.95,
  /**
   * Round 4: with a single affirmed clinical finding the model may raise an emergency only
   * at this probability and only when nothing in the message is denied, past, hypothetical,
   * resolved or an idiom ("se me durmio la mitad de la cara", "esta boqueando y las unas
   * azules", a newborn "really hard to wake"). Chosen on dev-r9 and the older dev sets:
   * 0.98 gained 6 emergencies on dev-r9 and 1 on dev-r8, raised no dev/ routine message and,
   * with the habit guard ("when", "cuando"), one more dev-r9 look-alike (es) than without it.
   */
  emergencyOneFinding: 0.98,
};

const STOP = new Set(
  ('i me my we our you your he him his she her it its they them their the a an and or but if of to in on at for with from by is are was were be been am do does did have has had this that these those so just very really please thanks thank hi hello hey ok okay yes um uh ' +
    'yo mi mis me te tu su sus el la los las un una unos unas de del al y o pero si que en con por para es son fue era soy esta estan este esto ese eso lo le les se nos ya muy hola gracias favor').split(' '),
);

const LANG_ES = /^(que|el|la|los|las|de|del|y|en|con|por|para|mi|me|se|le|tengo|tiene|esta|estoy|muy|no)$/;

function band(kind: string, v: number): string {
  switch (kind) {
    case 'spo2':
      return v < 90 ? '<90' : v < 93 ? '<93' : 'ok';
    case 'hr':
      return v <= 40 ? '<=40' : v <= 50 ? '<=50' : v >= 150 ? '>=150' : v >= 130 ? '>=130' : v >= 110 ? '>=110' : 'ok';
    case 'sbp':
      return v < 90 ? '<90' : v >= 220 ? '>=220' : v >= 180 ? '>=180' : v >= 160 ? '>=160' : v >= 140 ? '>=140' : 'ok';
    case 'dbp':
      return v >= 120 ? '>=120' : v >= 110 ? '>=110' : v >= 90 ? '>=90' : 'ok';
    case 'glucose':
      return v < 40 ? '<40' : v < 55 ? '<55' : v < 70 ? '<70' : v >= 600 ? '>=600' : v >= 400 ? '>=400' : v >= 300 ? '>=300' : 'ok';
    case 'temp_c':
      return v >= 40.5 ? '>=40.5' : v >= 39.4 ? '>=39.4' : v >= 38 ? '>=38' : 'ok';
    case 'inr':
      return v >= 5 ? '>=5' : v >= 4 ? '>=4' : 'ok';
    case 'pill_count':
      return v >= 8 ? '>=8' : v >= 3 ? '>=3' : 'few';
    case 'age_days':
      return v <= 90 ? 'infant' : v < 365 * 2 ? 'baby' : v < 13 * 365 ? 'child' : 'adult';
    case 'preg_weeks':
      return v < 14 ? '<14' : v < 37 ? '<37' : 'term';
    default:
      return 'any';
  }
}

const PAIR_TYPES = new Set(['symptom', 'event', 'harm', 'function', 'body', 'mod', 'substance', 'ingest', 'quantity', 'context', 'medication']);
const CORE_TYPES = new Set(['symptom', 'event', 'harm', 'function', 'substance']);

export function urgencyFeatures(tv: TokenView[], ctx: ContextResult, frames: FrameHit[]): string[] {
  const out = new Set<string>();
  const affirmedBySentence = new Map<number, string[]>();
  for (const f of ctx.findings) {
    const id = f.type === 'function' ? (f.impaired ? `!${f.id}` : f.normal ? `ok:${f.id}` : null) : f.id;
    if (id === null) continue;
    if (id.startsWith('ok:')) {
      out.add(id);
      continue;
    }
    const state = f.idiom ? 'idiom' : f.negated ? 'neg' : f.hypothetical ? 'hyp' : f.historical ? 'hist' : f.resolved ? 'res' : !f.affirmed ? 'oth' : 'c';
    out.add(`${state}:${id}`);
    if (state === 'c' && PAIR_TYPES.has(f.type)) {
      const list = affirmedBySentence.get(f.sentence) ?? [];
      list.push(CORE_TYPES.has(f.type) ? `*${id}` : id);
      affirmedBySentence.set(f.sentence, list);
    }
    if (state === 'c' && f.experiencer !== 'self') out.add(`x:exp_${f.experiencer}`);
  }
  for (const ids of affirmedBySentence.values()) {
    const uniq = [...new Set(ids)].sort();
    for (let i = 0; i < uniq.length; i++) {
      for (let j = i + 1; j < uniq.length; j++) {
        const a = uniq[i]!;
        const b = uniq[j]!;
        if (!a.startsWith('*') && !b.startsWith('*')) continue;
        out.add(`p:${a.replace('*', '')}+${b.replace('*', '')}`);
      }
    }
  }
  for (const m of ctx.measures) {
    out.add(`${m.affirmed ? 'm' : 'mx'}:${m.kind}${band(m.kind, m.value)}`);
  }
  for (const f of frames) if (f.urgency === 'urgent') out.add(`f:${f.id}`);
  // lemmas, with the negation scope marked
  const negated = new Set<number>();
  for (const f of ctx.findings) if (f.negated) for (let k = f.from; k <= f.to; k++) negated.add(k);
  const esVotes = tv.filter((t) => LANG_ES.test(t.w)).length;
  const lang = esVotes * 4 > tv.length ? 'es' : 'en';
  for (let i = 0; i < tv.length; i++) {
    const t = tv[i]!;
    if (t.isPunct || t.isNum || STOP.has(t.w) || t.w.length < 3) continue;
    const s = stem(t.w, lang);
    out.add(negated.has(i) ? `w:NEG_${s}` : `w:${s}`);
  }
  return [...out];
}

export function scoreUrgency(model: UrgencyModel, features: string[]): UrgencyScore {
  const k = model.labels.length;
  const scores = model.prior.slice();
  const contrib: { feature: string; weight: number }[] = [];
  const iE = model.labels.indexOf('emergency');
  for (const f of features) {
    const row = model.logp[f];
    if (!row) continue;
    for (let j = 0; j < k; j++) scores[j]! += row[j]!;
    // weight of the feature towards emergency against the mean of the others
    let rest = 0;
    for (let j = 0; j < k; j++) if (j !== iE) rest += row[j]!;
    contrib.push({ feature: f, weight: Math.round((row[iE]! - rest / (k - 1)) * 1000) / 1000 });
  }
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  const p = scores.map((s) => {
    const e = Math.exp(s - max);
    sum += e;
    return e;
  });
  for (let j = 0; j < k; j++) p[j]! /= sum;
  const iU = model.labels.indexOf('urgent');
  const pe = p[iE]!;
  contrib.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.feature < b.feature ? -1 : 1));
  return {
    emergency: pe,
    urgentOrWorse: pe + (iU >= 0 ? p[iU]! : 0),
    logOdds: Math.log(Math.max(pe, 1e-300)) - Math.log(Math.max(1 - pe, 1e-300)),
    top: contrib.slice(0, 8),
  };
}
