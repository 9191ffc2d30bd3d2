import { contributions, predict, type SoftmaxModel } from './classifier.js';
import { extractEntities } from './entities.js';
import { detectLanguage } from './language.js';
import { normalizeText, words } from './normalize.js';
import { findAffirmed, findRedFlags } from './red-flags.js';
import { reminderAnswer } from './reminder.js';
import { features } from './tokenize.js';
import { correctTypos } from './typos.js';
import { intents, type Intent, type TriageInput, type TriageResult, type Urgency } from './types.js';

export interface TriageModel {
  version: number;
  trainedOn: { examples: number; corpusHash: string };
  intent: SoftmaxModel;
}

export interface TriageExplanation {
  topFeatures: { feature: string; weight: number }[];
  rules: string[];
}

export type ExplainedTriageResult = TriageResult & { explanation: TriageExplanation };

export interface Triage {
  triage(input: TriageInput): TriageResult;
  explain(input: TriageInput): ExplainedTriageResult;
}

/** Below this the intent is a guess and a person should look. */
export const LOW_CONFIDENCE = 0.5;

const OPT_OUT_KEYWORD = /^(stop|stopall|stop all|unsubscribe|cancel texts|quit|end|optout|opt out|revoke|parar|alto|baja|detener|cancelar mensajes)$/;
const OPT_OUT_PHRASE =
  /\b(stop (texting|messaging|sending|calling|contacting)|do not (text|message|call|contact) me|no more (texts|messages|calls|reminders)|unsubscribe|take me off|remove (me|my number) from|opt (me )?out|dejen de (enviar|mandar|llamar|escribir)|no (me )?(envien|manden) (mas )?(mensajes|textos)|ya no (me )?(envien|manden|quiero (recibir )?(mensajes|textos))|quitar mi numero|darme de baja|den de baja)\b/;

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
    const normalized = correctTypos(normalizeText(text));
    const ws = words(normalized);
    const language = detectLanguage(text, ws);
    const feats = features(ws, language, input.channel);
    const rules: string[] = [];

    const prediction = predict(model.intent, feats);
    let intent = prediction.label as Intent;
    let confidence = prediction.confidence;

    const joined = ws.join(' ');
    const reminder = reminderAnswer(normalized);
    if (OPT_OUT_KEYWORD.test(joined) || (findAffirmed(` ${normalized} `, OPT_OUT_PHRASE) && !/\?/.test(text.slice(-2)))) {
      intent = 'opt_out';
      confidence = Math.max(confidence, 0.97);
      rules.push('opt_out_keyword');
    } else if (reminder) {
      intent = reminder;
      confidence = Math.max(confidence, 0.97);
      rules.push(`reminder_answer:${reminder}`);
    }

    const flags = findRedFlags(normalized);
    let urgency: Urgency = 'routine';
    if (flags.some((f) => f.urgency === 'emergency')) urgency = 'emergency';
    else if (flags.length) urgency = 'urgent';
    for (const f of flags) rules.push(`red_flag:${f.id}:${f.urgency}`);
    if (urgency === 'emergency') {
      const lower = text.toLowerCase().replace(/[\u2018\u2019]/g, "'");
      const verdicts = new Set((lower.match(REASSURANCE) ?? []).map((v) => v.split(' ')[0]));
      if (verdicts.size >= 2 || (verdicts.size === 1 && DIALOGUE.test(lower))) {
        urgency = 'urgent';
        rules.push('reassured_by_clinician:emergency->urgent');
      }
    }

    // a message that raises a red flag is about the patient's health, whatever small talk
    // surrounds it ("hola buenos dias ... ayuda una convulsion ... gracias")
    if (urgency !== 'routine' && !rules.includes('opt_out_keyword') && (intent === 'other' || intent === 'opt_out' || intent === 'general_question' || intent === 'appointment_confirm')) {
      rules.push(`red_flag_intent:${intent}->clinical_question`);
      intent = 'clinical_question';
    }

    const reasons: string[] = [];
    if (urgency !== 'routine') reasons.push(urgency);
    if (confidence < LOW_CONFIDENCE) reasons.push('low_confidence');
    if (intent === 'clinical_question') reasons.push('clinical_question');
    const padded = ` ${normalized} `;
    if (findAffirmed(padded, THIRD_PARTY)) reasons.push('someone_elses_records');
    if (INSECURE_CHANNEL.test(padded) && RECORDS_WORDS.test(padded)) reasons.push('records_over_insecure_channel');
    if (MEDICATION_SAFETY.test(padded) && MEDICATION_WORD.test(padded)) reasons.push('medication_safety_question');
    if (!reasons.includes('someone_elses_records') && OTHER_PERSON.test(padded)) reasons.push('someone_elses_records');
    if (CARE_DECISION.test(padded)) reasons.push('care_decision');
    if (IDENTITY_NUMBER.test(padded)) reasons.push('identity_number');
    const needsHuman = reasons.length > 0 && !(intent === 'opt_out' && reasons.every((r) => r === 'low_confidence'));
    for (const r of reasons) rules.push(`needs_human:${r}`);

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
      redFlags: flags.map((f) => f.id),
      needsHuman,
    };
    if (!withExplanation) return result;
    return { ...result, explanation: { topFeatures: contributions(model.intent, feats, intent), rules } };
  }

  return {
    triage: (input) => run(input, false),
    explain: (input) => run(input, true) as ExplainedTriageResult,
  };
}
