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
const RECORDS_WORDS = /\b(records?|results?|labs?|chart|diagnos\w*|medication list|notes|summary|paperwork|file|expediente|resultados|diagnostico|historial|analisis|lista de medicamentos)\b/;
const MEDICATION_SAFETY =
  /\b(is it (safe|ok|okay|alright|bad|dangerous)|safe to (take|mix|use|keep|combine)|can i (take|mix|use|keep taking|combine)|(should|do) i (stop|hold|skip|keep taking|continue|double)|interact\w*|together|mix(ing)? (it|them|with)|side effects?|too much|overdose|extra (dose|pill)|double (dose|up)|while (pregnant|breastfeeding|nursing|on)|took (two|2|three|3|extra|double)|dangerous|harmful|es (seguro|peligroso|malo)|puedo (tomar|mezclar|seguir tomando)|(debo|tengo que) (dejar|suspender|parar)|efectos? secundarios?|interaccion|al mismo tiempo|embarazada|lactando|amamantando|dosis doble|de mas)\b/;
const MEDICATION_WORD = /\b(medication|pills?|tablets?|dose|doses|mg|prescription|drug|drugs|capsules?|medicamentos?|medicina|pastillas?|dosis|receta|tylenol|advil|ibuprofen|benadryl|aspirin|insulin|[a-z]+(pril|sartan|olol|statin|zole|pine|mycin|cillin|azepam|oxetine|pam|done|ine))\b/;

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

    const reasons: string[] = [];
    if (urgency !== 'routine') reasons.push(urgency);
    if (confidence < LOW_CONFIDENCE) reasons.push('low_confidence');
    if (intent === 'clinical_question') reasons.push('clinical_question');
    const padded = ` ${normalized} `;
    if (findAffirmed(padded, THIRD_PARTY)) reasons.push('someone_elses_records');
    if (INSECURE_CHANNEL.test(padded) && RECORDS_WORDS.test(padded)) reasons.push('records_over_insecure_channel');
    if (MEDICATION_SAFETY.test(padded) && MEDICATION_WORD.test(padded)) reasons.push('medication_safety_question');
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
