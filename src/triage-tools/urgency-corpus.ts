/**
 * The generated corpus of the urgency model: each recipe of urgency-recipes.ts said many
 * ways (pieces in any order, SMS shorthand and typos, voicemail transcripts without
 * punctuation, emails), with counter-examples built from the same concepts: denied, in the
 * past, hypothetical, resolved, someone else's and fine, named in an admin request; plus
 * idioms and normal doses. Deterministic (seeded). Used by train.ts; nothing is written.
 */
import { seededRandom } from '../../triage/classifier.js';
import type { Urgency } from '../../triage/types.js';
import { LOOKALIKES, RECIPES, type Side } from './urgency-recipes.js';

export interface UrgencyExample {
  text: string;
  urgency: Urgency;
  language: 'en' | 'es';
  group: string;
}

type Lang = 'en' | 'es';

const ASKS: Record<Lang, string[]> = {
  en: ['can I get an appointment', 'can you refill my meds', 'do I need a follow up', 'can the doctor call me', 'I need a form signed', 'is my insurance ok with that', 'what should I ask at my visit', 'thanks'],
  es: ['me dan una cita', 'me resurten la receta', 'necesito seguimiento', 'me puede llamar el doctor', 'necesito que me firmen una forma', 'lo cubre mi seguro', 'qué pregunto en mi cita', 'gracias'],
};
const OPENERS: Record<Lang, string[]> = {
  en: ['hi', 'hello', 'please help', 'urgent', 'hi this is maria', 'hey doc', 'good morning', 'sorry to bother you', 'quick question',
    // round 4: rambling, third person, slang
    'so this is kind of a long story but', 'sorry for the long message, my grandma is 86 and', 'calling about my father,', 'bro', 'ngl', 'ok so um', 'my neighbor asked me to write,'],
  es: ['hola', 'buenas', 'ayuda por favor', 'urgente', 'hola soy maria', 'oiga doctor', 'buenos dias', 'perdón la molestia', 'una pregunta',
    'oye pana', 'mire señito', 'aló sí buenas', 'ay bendito', 'disculpe la molestia pero', 'le escribo por mi abuelita,', 'mande,', 'qué hubo doctora'],
};
const CLOSERS: Record<Lang, string[]> = {
  en: ['please call me back', 'what should I do', 'should I go to the ER', 'is this an emergency', 'thank you', 'please hurry', 'idk what to do', 'fr', 'he says it is nothing but I am worried', 'she will not let me call anyone'],
  es: ['llámenme por favor', 'qué hago', 'voy a urgencias', 'es una emergencia', 'gracias', 'por favor rápido', 'no sé qué hacer', 'estoy asustada', 'dice que no es nada pero me preocupa', 'me devuelven la llamada'],
};
// Spanish spelled by ear and Spanglish swaps (round 4)
const BY_EAR: [RegExp, string][] = [
  [/\bh([aeiou])/g, '$1'], [/v/g, 'b'], [/z/g, 's'], [/ll/g, 'y'], [/ado\b/g, 'ao'], [/\bque\b/g, 'ke'], [/\bpara\b/g, 'pa'], [/\bestá\b/g, 'ta'], [/\bhace\b/g, 'ase'], [/\bahora\b/g, 'aora'],
];
const SPANGLISH: [RegExp, string][] = [
  [/\bcita\b/g, 'appointment'], [/\burgencias\b/g, 'el ER'], [/\bpastillas\b/g, 'pills'], [/\breceta\b/g, 'prescription'], [/\bmi esposo\b/g, 'mi husband'], [/\bfarmacia\b/g, 'pharmacy'], [/\bseguro\b/g, 'aseguranza'],
];
const FILLERS: Record<Lang, string[]> = { en: ['um', 'uh', 'so', 'like', 'okay so'], es: ['este', 'eh', 'pues', 'bueno', 'o sea'] };
const SMS: Record<Lang, [RegExp, string][]> = {
  en: [[/\byou\b/g, 'u'], [/\bplease\b/g, 'pls'], [/\bcannot\b/g, 'cant'], [/\bI am\b/gi, 'im'], [/\bbecause\b/g, 'bc'], [/\bdo not\b/g, 'dont'], [/\bwith\b/g, 'w']],
  es: [[/\bque\b/g, 'q'], [/\bpor favor\b/g, 'porfa'], [/\bporque\b/g, 'xq'], [/\btambién\b/g, 'tmb'], [/\bestoy\b/g, 'toy'], [/\bpara\b/g, 'pa']],
};

const CONTEXT: Record<Lang, Record<string, string[]>> = {
  en: {
    hist: ['I had {np} in 2019, {ask}', 'history of {np}, {ask}', 'years ago I had {np}, {ask}', 'my mom had {np} 5 years ago, {ask}', 'back in march I had {np}, {ask}', 'when I was a kid I had {np}, {ask}', 'I was hospitalized for {np} last year, {ask}'],
    hyp: ['can stress cause {np}?', 'what should I do if I get {np}?', 'what are the warning signs of {np}?', 'if I ever have {np} again should I call you or go to the ER?', 'in case of {np} do I need to go in?', 'how do I know if it is {np}?', 'just asking, is {np} dangerous?'],
    res: ['I had {np} this morning but it went away and I feel fine now, {ask}', '{np} is all gone now, {ask}', 'had {np} yesterday, it stopped and I am okay now, {ask}'],
    other: ['my coworker had {np} last week, he is fine now, {ask}', 'my neighbor had {np} a while back and is doing well, {ask}', 'a friend of mine had {np} last month but she recovered, {ask}'],
    admin: ['can you send my records from the ER visit for {np}', 'I got a bill for the hospital stay for {np}, {ask}', 'please add {np} from last year to my chart', 'I need a letter for work about {np} last month'],
    neg: ['{neg}, just a cough, {ask}', '{neg}, {ask}', 'I have a cold but {neg}', '{neg} at all, only a stuffy nose'],
  },
  es: {
    hist: ['tuve {np} en 2019, {ask}', 'antecedentes de {np}, {ask}', 'hace años tuve {np}, {ask}', 'mi mamá tuvo {np} hace 5 años, {ask}', 'en marzo tuve {np}, {ask}', 'de niño tuve {np}, {ask}', 'estuve internado por {np} el año pasado, {ask}'],
    hyp: ['el estrés puede causar {np}?', 'qué hago si me da {np}?', 'cuáles son las señales de {np}?', 'si me vuelve a dar {np} les llamo o voy a urgencias?', 'en caso de {np} tengo que ir?', 'cómo sé si es {np}?', 'solo pregunto, es peligroso {np}?'],
    res: ['tuve {np} en la mañana pero ya se me quitó y me siento bien, {ask}', 'ya se me pasó {np}, {ask}', 'ayer tuve {np}, ya paró y estoy bien, {ask}'],
    other: ['un compañero tuvo {np} la semana pasada, ya está bien, {ask}', 'mi vecina tuvo {np} hace tiempo y ya está bien, {ask}', 'una amiga tuvo {np} el mes pasado pero ya se recuperó, {ask}'],
    admin: ['me mandan el expediente de la visita a urgencias por {np}', 'me llegó la cuenta de la hospitalización por {np}, {ask}', 'agreguen a mi expediente {np} del año pasado', 'necesito una carta para el trabajo por {np} del mes pasado'],
    neg: ['{neg}, solo tos, {ask}', '{neg}, {ask}', 'tengo gripa pero {neg}', '{neg} para nada, solo la nariz tapada'],
  },
};

// punctuation, but not the point of 38.5 or the comma of 1,200
const PUNCT = /(?<!\d)[.,](?!\d)|[!?¿¡;]/g;

function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

export function generateUrgencyCorpus(seed = 20261313): UrgencyExample[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number) => rand() < p;
  const shuffle = <T>(xs: T[]): T[] => {
    const a = xs.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const typo = (w: string) => {
    if (w.length < 5 || !/^[a-záéíóúñ]+$/i.test(w)) return w;
    const i = 1 + Math.floor(rand() * (w.length - 3));
    const k = rand();
    if (k < 0.4) return w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
    if (k < 0.7) return w.slice(0, i) + w.slice(i + 1);
    return w.slice(0, i) + w[i] + w.slice(i);
  };
  // the way each channel dresses a message
  const dress = (body: string, lang: Lang): string => {
    const style = rand();
    if (style < 0.35) {
      let s = body;
      for (const [re, to] of SMS[lang]) if (chance(0.5)) s = s.replace(re, to);
      if (lang === 'es' && chance(0.6)) s = stripAccents(s);
      if (chance(0.4)) s = s.split(' ').map((w) => (chance(0.1) ? typo(w) : w)).join(' ');
      if (chance(0.5)) s = s.replace(PUNCT, '');
      return chance(0.6) ? s.toLowerCase() : s;
    }
    if (style < 0.55) {
      // voicemail transcript: no punctuation, fillers, a name
      let s = body.replace(PUNCT, '').toLowerCase();
      if (lang === 'es') s = stripAccents(s);
      const words = s.split(' ');
      const out: string[] = [lang === 'es' ? pick(['hola habla rosa', 'hola si mire', 'buenas tardes le llamo porque']) : pick(['hi this is john', 'hey its linda calling', 'hello yes um'])];
      for (const w of words) {
        if (chance(0.08)) out.push(pick(FILLERS[lang]));
        out.push(w);
      }
      out.push(lang === 'es' ? pick(['gracias', 'por favor llamenme', '']) : pick(['thank you bye', 'please call me back', '']));
      return out.filter(Boolean).join(' ');
    }
    if (lang === 'es' && style >= 0.65 && style < 0.8) {
      // spelled by ear, or Spanglish, no accents
      let s = stripAccents(body.toLowerCase());
      for (const [re, to] of chance(0.5) ? BY_EAR : SPANGLISH) if (chance(0.45)) s = s.replace(re, to);
      return chance(0.7) ? s.replace(PUNCT, '') : s;
    }
    if (style < 0.65) {
      const greet = lang === 'es' ? pick(['Hola,', 'Buenos días,']) : pick(['Hello,', 'Hi Dr. Lee,']);
      return `${greet}\n\n${body.charAt(0).toUpperCase()}${body.slice(1)}.\n\n${lang === 'es' ? 'Gracias' : 'Thanks'}`;
    }
    return body;
  };

  const out: UrgencyExample[] = [];
  const seen = new Set<string>();
  const add = (text: string, urgency: Urgency, language: Lang, group: string) => {
    const t = text.replace(/\s+/g, ' ').replace(/ ,/g, ',').trim();
    const key = `${urgency}|${t.toLowerCase()}`;
    if (!t || seen.has(key)) return;
    seen.add(key);
    out.push({ text: t, urgency, language, group });
  };

  for (const recipe of RECIPES) {
    for (const lang of ['en', 'es'] as const) {
      const side: Side = recipe[lang];
      const n = recipe.urgency === 'emergency' ? 70 : 40;
      for (let i = 0; i < n; i++) {
        const core = pick(side.parts[0]!);
        const support = side.parts.slice(1).filter(() => chance(0.6)).map((p) => pick(p));
        const pieces = chance(0.7) ? [core, ...support] : shuffle([core, ...support]);
        let body = pieces.join(pick([', ', ' ', ' and ', '. ']).replace(' and ', lang === 'es' ? ' y ' : ' and '));
        if (chance(0.4)) body = `${pick(OPENERS[lang])} ${body}`;
        if (chance(0.35)) body = `${body}${pick(['. ', ', ', ' '])}${pick(CLOSERS[lang])}`;
        add(dress(body, lang), recipe.urgency, lang, `gen:${recipe.id}:${lang}`);
      }
      if (recipe.urgency === 'routine') continue;
      // counter-examples: the same concepts, not happening now to the patient
      for (const [kind, templates] of Object.entries(CONTEXT[lang])) {
        for (let i = 0; i < 8; i++) {
          let body = pick(templates)
            .replace('{np}', pick(side.np))
            .replace('{neg}', pick(side.neg))
            .replace('{ask}', pick(ASKS[lang]));
          // greetings and sign-offs come with every kind of message: they must not tell classes apart
          if (chance(0.4)) body = `${pick(OPENERS[lang])} ${body}`;
          if (chance(0.2)) body = `${body} ${pick(CLOSERS[lang])}`;
          add(dress(body, lang), 'routine', lang, `gen:${recipe.id}:${kind}:${lang}`);
        }
      }
    }
  }
  for (const lang of ['en', 'es'] as const) {
    for (const phrase of LOOKALIKES[lang]) {
      for (let i = 0; i < 3; i++) add(dress(`${chance(0.3) ? `${pick(OPENERS[lang])} ` : ''}${chance(0.5) ? `${phrase}, ${pick(ASKS[lang])}` : phrase}`, lang), 'routine', lang, `gen:lookalike:${lang}`);
    }
  }
  return out;
}
