import { findAffirmed } from './affirmed.js';
import { contributions, predict, type SoftmaxModel } from './classifier.js';
import { extractEntities } from './entities.js';
import { detectOptOut } from './opt-out.js';
import { readMessage } from './read.js';
import { reminderAnswer } from './reminder.js';
import { intents, type Intent, type TriageInput, type TriageResult, type Urgency } from './types.js';
import { assessUrgency, type UrgencyAssessment } from './urgency.js';
import { URGENCY_THRESHOLDS, type UrgencyModel } from './urgency-model.js';

export interface TriageModel {
  version: number;
  trainedOn: { examples: number; corpusHash: string };
  intent: SoftmaxModel;
  /** the urgency model (triage/model/urgency.json); without it only the frames decide */
  urgency?: UrgencyModel;
}

/** One concept found in the message, with its words and context (for --explain). */
export interface ExplainedConcept {
  concept: string;
  type: string;
  text: string;
  /** offsets in the raw text */
  start: number;
  end: number;
  context: { negated: boolean; historical: boolean; hypothetical: boolean; resolved: boolean; idiom: boolean; experiencer: string; impaired?: boolean; normal?: boolean };
  affirmed: boolean;
}

export interface UrgencyExplanation {
  decidedBy: UrgencyAssessment['decidedBy'];
  frames: { id: string; urgency: string; category: string; source: string; evidence: { id: string; text: string; start: number; end: number }[] }[];
  /** emergency frames that fire only when context is ignored: they ask for a person */
  heldBack: { id: string; category: string }[];
  concepts: ExplainedConcept[];
  measures: { kind: string; value: number; text: string; affirmed: boolean }[];
  corrections: { from: string; to: string; start: number; end: number }[];
  model: { emergency: number; urgentOrWorse: number; top: { feature: string; weight: number }[] } | null;
  thresholds: typeof URGENCY_THRESHOLDS;
  needsHuman: string[];
}

export interface TriageExplanation {
  topFeatures: { feature: string; weight: number }[];
  rules: string[];
  /** what lies behind the urgency (added by issue 13) */
  urgency?: UrgencyExplanation;
}

export type ExplainedTriageResult = TriageResult & { explanation: TriageExplanation };

export interface Triage {
  triage(input: TriageInput): TriageResult;
  explain(input: TriageInput): ExplainedTriageResult;
}

/** Below this the intent is a guess and a person should look. */
export const LOW_CONFIDENCE = 0.5;


const THIRD_PARTY =
  /\b((my|his|her|our|the patients|patients) (wife|wifes|husband|husbands|spouse|spouses|son|sons|daughter|daughters|mom|moms|mother|mothers|dad|dads|father|fathers|partner|partners|boyfriend|girlfriend|brother|sister|grandma|grandmother|grandpa|grandfather|aunt|uncle|friend|friends|employee|employees|client|clients|roommate|neighbor|tenant)s? ?(medical )?(records?|results?|labs?|lab results|chart|charts|diagnosis|medication list|visit (notes|summary)|information|info|x-ray|mri|biopsy|file)|i am (his|her|their|the patients|the) (wife|husband|spouse|son|daughter|mother|mom|father|dad|caregiver|social worker|case manager|employer|boss|manager|attorney|lawyer|guardian|partner|friend|roommate|shift lead|supervisor)|on behalf of|power of attorney|(resultados|expediente|registros|informacion|diagnostico) de (mi|su) (esposo|esposa|mama|papa|madre|padre|hijo|hija|hermano|hermana|abuelo|abuela|pareja|novio|novia|empleado|amigo|amiga)|soy (su|la|el) (esposa|esposo|hija|hijo|madre|padre|mama|papa|cuidador\w*|trabajador\w* social|jefe|abogad\w*|pareja))\b/;
const INSECURE_CHANNEL =
  /\b(whatsapp|instagram|facebook|tiktok|snapchat|gmail|yahoo|hotmail|dm|social security|ssn|seguro social|voicemail|buzon de voz|my (boss|employer|school|lawyer|attorney|job|work)|mi (jefe|trabajo|escuela|abogado))\b/;
// someone else's records named without a family word: "I'm Alex's mom", "her biopsy results",
// "Jenna's husband", "verifying her leave", "the manager for Alex"
const OTHER_PERSON =
  /\b(i am|this is) \w+s (mom|mother|dad|father|wife|husband|partner|boyfriend|girlfriend|sister|brother|friend|boss|manager|caregiver|aunt|uncle)|\b\w+s (husband|wife|boyfriend|girlfriend|boss|manager|employer)\b|\b(her|his|their) (\w+ ){0,2}(results?|labs?|lab work|bloodwork|biopsy|x-ray|mri|scan|diagnosis|medication list|visit notes|notes|chart|records?|treatment)\b|\b(verify|verifying|confirm|confirming) (the |her |his |their )?(leave|diagnosis|visit|treatment)|\b(manager|employer|supervisor|case worker|coworker) for\b|\b(her|his|their) friend|\bpick up (her|his|their)|\b(if|whether) (she|he) (came in|was seen|has been seen)|\bresultados de (el|ella)|\b(el|ella) es mi (esposo|esposa|hijo|hija)\b.*\b(resultados|expediente|diagnostico)/;
// the patient asks whether to seek care: a person decides, not automation
const CARE_DECISION =
  /\b(do (we|i) need (to go to |to go in|to be seen|to come in)?(urgent care|the er|er|emergency|urgent)|should i (worry|be worried|be concerned|go (in|to)|come in|call 911)|can (we|i|this) wait|(need|needs) to be seen (today|tonight|now)|is this (serious|an emergency|dangerous|normal)|do i need (to see|the er|urgent)|debo (ir|preocupar\w*)|(es|sera) (grave|peligroso|una emergencia)|(vamos|voy|lo llevo|la llevo) a (urgencias|emergencias))\b/;
// requests for identity numbers over a message (phishing or an insecure channel)
const IDENTITY_NUMBER = /\b(ssn|social security( number)?|seguro social|last 4|ultimos 4|credit card number|numero de tarjeta)\b/;
const RECORDS_WORDS = /\b(records?|results?|labs?|chart|diagnos\w*|medication list|notes|summary|paperwork|file|expediente|resultados|diagnostico|historial|analisis|lista de medicamentos)\b/;
const MEDICATION_SAFETY =
  /\b(is it (safe|ok|okay|alright|bad|dangerous)|safe to (take|mix|use|keep|combine)|can i (take|mix|use|keep taking|combine)|(should|do) i (stop|hold|skip|keep taking|continue|double)|interact\w*|together|mix(ing)? (it|them|with)|side effects?|too much|overdose|extra (dose|pill)|double (dose|up)|while (pregnant|breastfeeding|nursing|on)|took (two|2|three|3|extra|double)|dangerous|harmful|es (seguro|peligroso|malo)|puedo (tomar|mezclar|seguir tomando)|(debo|tengo que) (dejar|suspender|parar)|efectos? secundarios?|interaccion|al mismo tiempo|embarazada|lactando|amamantando|dosis doble|de mas)\b/;
const MEDICATION_WORD = /\b(medication|pills?|tablets?|dose|doses|mg|prescription|drug|drugs|capsules?|medicamentos?|medicina|pastillas?|dosis|receta|tylenol|advil|ibuprofen|benadryl|aspirin|insulin|[a-z]+(pril|sartan|olol|statin|zole|pine|mycin|cillin|azepam|oxetine|pam|done|ine))\b/;

// A clinician's verdict quoted in the message ("this fits a localized reaction, not anaphylaxis",
// "reassuring", "routine follow-up is fine"): the symptoms were assessed, so an emergency
// red flag is lowered to urgent (a person still looks the same day), never to routine.
const REASSURANCE =
  /\b(?<!not )(reassuring|reassurance|(this|that|it|which) (fits|points to|is consistent with|is most consistent with|suggests|sounds like)|not (a|an) (heart attack|stroke|anaphylaxis|emergency|neurologic emergency|hemorrhage|crisis|overdose|cardiac (event|emergency))|no (urgent|emergency) (care|evaluation|visit|steps|action|issues|flags|care is)|routine (follow[- ]?up|visit|pediatric follow[- ]?up|check|postpartum check)|no escalation|unlikely to (cause|harm)|below (\w+ )?toxicity|likely benign|can be normal|no need to (restart|worry|go)|no red flags)\b/g;
const DIALOGUE = /(^|\s)(clinician|nurse|doctor|dr|provider|pharmacist|np|pa)\s*:/;

function round(x: number, d = 3): number {
  const p = 10 ** d;
  return Math.round(x * p) / p;
}

export function createTriage(model: TriageModel): Triage {
  const labels = model.intent.labels;
  for (const l of labels) if (!(intents as readonly string[]).includes(l)) throw new Error(`model has unknown intent ${l}`);

  function run(input: TriageInput, withExplanation: boolean): ExplainedTriageResult | TriageResult {
    const text = input.text ?? '';
    const { language, tokens, corrected, normalized, intentFeatures: feats } = readMessage(text, input.channel);
    const rules: string[] = [];

    const prediction = predict(model.intent, feats);
    let intent = prediction.label as Intent;
    let confidence = prediction.confidence;

    const reminder = reminderAnswer(normalized);
    const optOut = detectOptOut(text);
    // a bare CANCEL/CANCELAR answers a reminder (appointment_cancel); detectOptOut still
    // reports it as a keyword for the consent ledger
    const cancelWord = optOut?.kind === 'keyword' && /^\W*cancel(ar)?\W*$/i.test(text.trim());
    if (optOut && !cancelWord && !/\?\s*$/.test(text.trim()) || (optOut?.kind === 'keyword' && !cancelWord)) {
      intent = 'opt_out';
      confidence = Math.max(confidence, 0.97);
      rules.push(`opt_out_${optOut!.kind}`);
    } else if (reminder) {
      intent = reminder;
      confidence = Math.max(confidence, 0.97);
      rules.push(`reminder_answer:${reminder}`);
    }

    const assessment = assessUrgency(tokens, corrected, language, text, model.urgency ?? null);
    let urgency: Urgency = assessment.urgency;
    for (const f of assessment.frames) rules.push(`frame:${f.id}:${f.urgency}`);
    if (assessment.decidedBy === 'model') rules.push(`urgency_model:${urgency}`);
    for (const f of assessment.suppressed) rules.push(`held_back:${f.id}`);
    if (urgency === 'emergency') {
      const lower = text.toLowerCase().replace(/[\u2018\u2019]/g, "'");
      const verdicts = new Set((lower.match(REASSURANCE) ?? []).map((v) => v.split(' ')[0]));
      if (verdicts.size >= 2 || (verdicts.size === 1 && DIALOGUE.test(lower))) {
        urgency = 'urgent';
        rules.push('reassured_by_clinician:emergency->urgent');
      }
    }
    const redFlags = [...assessment.frames].sort((x, y) => (x.urgency === y.urgency ? 0 : x.urgency === 'emergency' ? -1 : 1)).map((f) => f.id);

    // a message that raises urgency is about the patient's health, whatever small talk
    // surrounds it ("hola buenos dias ... ayuda una convulsion ... gracias")
    if (urgency !== 'routine' && !rules.some((r) => r.startsWith('opt_out')) && (intent === 'other' || intent === 'opt_out' || intent === 'general_question' || intent === 'appointment_confirm')) {
      rules.push(`urgent_intent:${intent}->clinical_question`);
      intent = 'clinical_question';
    }

    const reasons: string[] = [];
    if (urgency !== 'routine') reasons.push(urgency);
    if (confidence < LOW_CONFIDENCE) reasons.push('low_confidence');
    if (intent === 'clinical_question') reasons.push('clinical_question');
    for (const r of assessment.needsHuman) reasons.push(r);
    // an opt-out that also says something clinical ("stop texting me, I want to die") is read by a person
    if ((intent === 'opt_out' || optOut) && assessment.findings.some((f) => f.type === 'symptom' || f.type === 'harm' || f.type === 'event')) reasons.push('opt_out_with_clinical_content');
    const padded = ` ${normalized} `;
    if (findAffirmed(padded, THIRD_PARTY)) reasons.push('someone_elses_records');
    if (INSECURE_CHANNEL.test(padded) && RECORDS_WORDS.test(padded)) reasons.push('records_over_insecure_channel');
    if (MEDICATION_SAFETY.test(padded) && MEDICATION_WORD.test(padded)) reasons.push('medication_safety_question');
    if (!reasons.includes('someone_elses_records') && OTHER_PERSON.test(padded)) reasons.push('someone_elses_records');
    if (CARE_DECISION.test(padded)) reasons.push('care_decision');
    if (IDENTITY_NUMBER.test(padded)) reasons.push('identity_number');
    const needsHuman = reasons.length > 0;
    for (const r of new Set(reasons)) rules.push(`needs_human:${r}`);

    const entities = extractEntities(text, {
      receivedAt: input.receivedAt ?? new Date(0),
      timeZone: input.timeZone ?? 'America/New_York',
      language,
    });

    const result: TriageResult = {
      intent,
      urgency,
      confidence: round(confidence),
      language,
      entities,
      redFlags,
      needsHuman,
    };
    if (!withExplanation) return result;
    return { ...result, explanation: { topFeatures: contributions(model.intent, feats, intent), rules, urgency: explainUrgency(assessment, text, [...new Set(reasons)]) } };
  }

  return {
    triage: (input) => run(input, false),
    explain: (input) => run(input, true) as ExplainedTriageResult,
  };
}

function explainUrgency(a: UrgencyAssessment, text: string, needsHuman: string[]): UrgencyExplanation {
  const span = (from: number, to: number) => {
    const start = a.tokens[from]?.start ?? 0;
    const end = a.tokens[to]?.end ?? start;
    return { text: text.slice(start, end), start, end };
  };
  return {
    decidedBy: a.decidedBy,
    frames: a.frames.map((f) => ({ id: f.id, urgency: f.urgency, category: f.category, source: f.source, evidence: f.evidence.map((e) => ({ id: e.id, ...span(e.from, e.to) })) })),
    heldBack: a.suppressed.map((f) => ({ id: f.id, category: f.category })),
    concepts: a.findings
      .filter((f) => f.type !== 'mod' || f.affirmed)
      .map((f) => ({
        concept: f.id,
        type: f.type,
        ...span(f.from, f.to),
        context: {
          negated: f.negated,
          historical: f.historical,
          hypothetical: f.hypothetical,
          resolved: f.resolved,
          idiom: f.idiom,
          experiencer: f.experiencer,
          ...(f.impaired !== undefined ? { impaired: f.impaired, normal: f.normal ?? false } : {}),
        },
        affirmed: f.affirmed,
      })),
    measures: a.measures.map((m) => ({ kind: m.kind, value: m.value, text: span(m.from, m.to).text, affirmed: m.affirmed })),
    corrections: a.tokens.filter((t) => t.corrected).map((t) => ({ from: t.orig, to: t.w, start: t.start, end: t.end })),
    model: a.score ? { emergency: round(a.score.emergency, 4), urgentOrWorse: round(a.score.urgentOrWorse, 4), top: a.score.top } : null,
    thresholds: URGENCY_THRESHOLDS,
    needsHuman,
  };
}
