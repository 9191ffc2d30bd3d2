/**
 * Urgency of a message: concept frames (frames.ts) first, then the supervised model
 * (urgency-model.ts) over concept and lemma features for what no frame names. A frame that
 * fires only when context is ignored (a negated, past, hypothetical or resolved emergency)
 * does not raise urgency but still asks for a person, and so does any self-harm word.
 */
import { findMentions, INNER_DENIAL_HINT, mayBeClinical, POST_IMPAIRED_HINT, view, type Mention, type TokenView } from './concepts.js';
import { analyseContext, type Finding } from './context.js';
import { childOf, FRAMES, View, type Ctx, type FrameHit } from './frames.js';
import { mayMeasure, readMeasures } from './measures.js';
import type { Token } from './text.js';
import type { Language, Urgency } from './types.js';
import { scoreUrgency, urgencyFeatures, URGENCY_THRESHOLDS, type UrgencyModel, type UrgencyScore } from './urgency-model.js';

export interface UrgencyAssessment {
  urgency: Urgency;
  /** frames that fired on affirmed findings */
  frames: FrameHit[];
  /** emergency frames that fire only when context is ignored (negated, past, hypothetical...) */
  suppressed: FrameHit[];
  findings: Finding[];
  measures: ReturnType<typeof analyseContext>['measures'];
  score: UrgencyScore | null;
  /** why a person should look, from the urgency side */
  needsHuman: string[];
  tokens: Token[];
  /** what raised the urgency: a frame, the model, or nothing */
  decidedBy: 'frame' | 'model' | 'none';
  features: string[];
}

const CLINICAL_TYPES = new Set(['symptom', 'event', 'harm']);
const EVIDENCE_TYPES = new Set(['symptom', 'event', 'harm', 'substance']);
const TRIGGER_TYPES = new Set(['symptom', 'event', 'harm', 'substance', 'ingest', 'quantity']);
const TRIGGER_IDS = new Set(['ran_out', 'accidental', 'pregnant', 'postpartum', 'closing', 'infection_sign']);
const HABITUAL = new Set(['when', 'whenever', 'cuando', 'usually', 'sometimes', 'always', 'often', 'normally', 'siempre', 'aveces', 'veces', 'normalmente', 'seguido']);
const VITAL_KINDS = new Set(['spo2', 'hr', 'sbp', 'dbp', 'glucose', 'temp_c', 'inr', 'rr', 'sodium', 'potassium', 'pill_count', 'dose_mg']);
const SELF_HARM = new Set(['wish_dead', 'ideation', 'self_injury', 'harm_others', 'harm_attempt', 'harm_plan']);

function mergeMentions(a: Mention[], b: Mention[]): Mention[] {
  const seen = new Set(a.map((m) => `${m.id}:${m.from}:${m.to}`));
  const out = a.slice();
  for (const m of b) if (!seen.has(`${m.id}:${m.from}:${m.to}`)) out.push(m);
  return out;
}

function buildCtx(v: View, words: string[], language: Language, measures: { kind: string; value: number; affirmed: boolean }[], findings: Finding[]): Ctx {
  const ages = measures.filter((m) => m.kind === 'age_days').map((m) => m.value);
  const ageDays = ages.length ? Math.min(...ages) : null;
  const newborn = words.some((w) => w === 'newborn' || w === 'neonate') || words.join(' ').includes('recien nacid');
  const preg = measures.filter((m) => m.kind === 'preg_weeks').map((m) => m.value);
  const pp = measures.filter((m) => m.kind === 'postpartum_days').map((m) => m.value);
  // pregnancy and delivery are the patient's situation, not events: "gave birth 2 weeks ago" still counts
  const pregnantWord = findings.some((f) => (f.id === 'pregnant' || f.id === 'fetal_move' || f.id === 'fluid_leak' || f.id === 'cord' || f.id === 'fetal_quiet') && !f.negated && !f.hypothetical);
  return {
    v,
    words,
    ageDays: newborn ? Math.min(ageDays ?? 14, 14) : ageDays,
    infant: newborn || (ageDays !== null && ageDays <= 90),
    child: (ageDays !== null && ageDays < 13 * 365) || childOf(words, language),
    pregnant: pregnantWord || preg.length > 0,
    pregWeeks: preg.length ? Math.max(...preg) : null,
    postpartumDays: pp.length ? Math.min(...pp) : null,
    postpartum: findings.some((f) => f.id === 'postpartum' && !f.negated && !f.hypothetical),
  };
}

function runFrames(ctx: Ctx): FrameHit[] {
  const hits: FrameHit[] = [];
  for (const f of FRAMES) {
    const ev = f.test(ctx);
    if (ev) hits.push({ id: f.id, urgency: f.urgency, category: f.category, evidence: ev.map((e) => ({ id: e.id, from: e.from, to: e.to })), source: f.source });
  }
  return hits;
}

export function assessUrgency(tokens: Token[], corrected: Token[], language: Language, rawText: string, model: UrgencyModel | null): UrgencyAssessment {
  const tvRaw: TokenView[] = view(tokens);
  const gated = (tv: TokenView[]) => !mayBeClinical(tv) && !mayMeasure(tv);
  if (gated(tvRaw) && (corrected === tokens || gated(view(corrected)))) {
    return { urgency: 'routine', frames: [], suppressed: [], findings: [], measures: [], score: null, needsHuman: [], tokens: corrected, decidedBy: 'none', features: [] };
  }
  let mentions = findMentions(tvRaw);
  let tv = tvRaw;
  if (corrected !== tokens) {
    // detection runs on the words as written and on their corrections: a correction can add
    // a concept, never take one away
    tv = view(corrected);
    mentions = mergeMentions(mentions, findMentions(tv));
  }
  // folding accents makes "año" (year) the word for anus: the raw text tells them apart
  if (mentions.some((m) => m.id === 'rectum')) mentions = mentions.filter((m) => !(m.id === 'rectum' && rawText.slice(tokens[m.from]!.start, tokens[m.to]!.end).includes('ñ')));
  const measures = readMeasures(tv, mentions);
  // most messages (appointments, bills, refills) name nothing clinical: nothing to weigh
  const hasUnable = mentions.some((m) => m.id === 'unable') || tv.some((t) => POST_IMPAIRED_HINT.has(t.w)) || mentions.some((m) => m.type === 'function' && m.to > m.from && tv.slice(m.from + 1, m.to).some((t) => INNER_DENIAL_HINT.has(t.w)));
  const anyClinical = mentions.some((m) => TRIGGER_TYPES.has(m.type) || TRIGGER_IDS.has(m.id) || (m.type === 'function' && hasUnable)) || measures.some((m) => VITAL_KINDS.has(m.kind));
  if (!anyClinical) {
    return { urgency: 'routine', frames: [], suppressed: [], findings: [], measures: [], score: null, needsHuman: [], tokens: corrected, decidedBy: 'none', features: [] };
  }
  const rawWord = (i: number) => rawText.slice(tokens[i]!.start, tokens[i]!.end).toLowerCase();
  const ctxResult = analyseContext(tv, mentions, measures, rawWord);
  const words = tv.filter((t) => !t.isPunct).map((t) => t.w);

  let frames: FrameHit[] = [];
  let suppressed: FrameHit[] = [];
  {
    const strict = new View(ctxResult, true);
    frames = runFrames(buildCtx(strict, words, language, ctxResult.measures.filter((m) => m.affirmed || ((m.kind === 'postpartum_days' || m.kind === 'preg_weeks' || m.kind === 'age_days') && !m.negated && !m.hypothetical)), ctxResult.findings));
    // what would fire if context were ignored: only worth asking when context held something back
    const heldBack = ctxResult.findings.some((f) => !f.affirmed && !f.idiom && f.type !== 'person') || ctxResult.measures.some((m) => !m.affirmed);
    if (heldBack && !frames.some((g) => g.urgency === 'emergency')) {
      const loose = new View(ctxResult, false);
      const firedIds = new Set(frames.map((f) => f.id));
      suppressed = runFrames(buildCtx(loose, words, language, ctxResult.measures, ctxResult.findings)).filter((f) => f.urgency === 'emergency' && !firedIds.has(f.id));
    }
  }

  const features = urgencyFeatures(tv, ctxResult, frames);
  const score = model ? scoreUrgency(model, features) : null;

  // the model weighs combinations: a single concept is mostly the frames' business, so the
  // model raises an emergency on two or more affirmed clinical findings (or a vital sign and
  // one), or on one when it is very sure and nothing in the message holds context back
  const evidence = new Set(ctxResult.findings.filter((f) => f.affirmed && (EVIDENCE_TYPES.has(f.type) || (f.type === 'function' && f.impaired))).map((f) => f.id));
  const vitals = ctxResult.measures.some((m) => m.affirmed && VITAL_KINDS.has(m.kind));
  const evidenceCount = evidence.size + (vitals ? 1 : 0);
  // ... nor says it comes with a habit or a trigger ("when I drink coffee", "cuando me siento mucho")
  // (or told of someone else who is fine: "my friend's dad had a stroke")
  const clean = !ctxResult.findings.some((f) => !f.affirmed) && !words.some((w) => HABITUAL.has(w));
  const modelMayRaise = evidenceCount >= 2 || (evidenceCount === 1 && clean && score !== null && score.emergency >= URGENCY_THRESHOLDS.emergencyOneFinding);
  let urgency: Urgency = 'routine';
  let decidedBy: UrgencyAssessment['decidedBy'] = 'none';
  if (frames.some((f) => f.urgency === 'emergency')) {
    urgency = 'emergency';
    decidedBy = 'frame';
  } else if (score && modelMayRaise && score.emergency >= URGENCY_THRESHOLDS.emergency) {
    urgency = 'emergency';
    decidedBy = 'model';
  } else if (frames.length) {
    urgency = 'urgent';
    decidedBy = 'frame';
  } else if (score && evidence.size + (vitals ? 1 : 0) >= 1 && score.urgentOrWorse >= URGENCY_THRESHOLDS.urgent) {
    urgency = 'urgent';
    decidedBy = 'model';
  }

  const needsHuman: string[] = [];
  if (suppressed.length) needsHuman.push('held_back_emergency');
  if (ctxResult.findings.some((f) => SELF_HARM.has(f.id))) needsHuman.push('self_harm_word');
  if (ctxResult.findings.some((f) => f.affirmed && (CLINICAL_TYPES.has(f.type) || (f.type === 'function' && f.impaired)))) needsHuman.push('clinical_concept');
  if (ctxResult.measures.some((m) => m.affirmed && m.kind !== 'age_days' && m.kind !== 'preg_weeks' && m.kind !== 'weight_kg' && m.kind !== 'dose_mg' && m.kind !== 'minutes_ago')) needsHuman.push('vital_sign');

  return {
    urgency,
    frames,
    suppressed,
    findings: ctxResult.findings,
    measures: ctxResult.measures,
    score,
    needsHuman,
    tokens: corrected,
    decidedBy,
    features,
  };
}
