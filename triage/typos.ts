/**
 * Corrects misspellings of the words that matter most (red-flag and intent words) by
 * edit distance. Only words that are not themselves common words are touched, so
 * "hecho" never becomes "pecho" and "cooking" never becomes "choking".
 */
const KEY_WORDS = (
  'chest pressure breathe breathing breath bleeding unconscious unresponsive seizure seizures convulsion ' +
  'suicide suicidal overdose overdosed swallowed allergic allergy swelling swollen throat tongue stroke numbness ' +
  'headache pregnant vomiting vomited confused confusion dizzy dizziness fainted fainting drooping slurred slurring ' +
  'anaphylaxis epipen poison poisoning bleach infant newborn fever temperature tightness squeezing crushing ' +
  'weakness wheezing choking gasping lethargic floppy unbearable myself appointment appointments prescription ' +
  'refill refills pharmacy insurance results reschedule cancel canceled billing records medication tomorrow ' +
  'schedule confirm statement deductible referral doctor morning afternoon tuesday wednesday thursday saturday ' +
  'friday monday sunday ' +
  'pecho respirar respiro sangrado sangrando convulsion convulsiones suicidarme suicidio sobredosis desmayo desmaye ' +
  'inconsciente embarazada vomitando confundido confundida garganta hinchada hinchado hinchazon alergia alergica ' +
  'pastillas cabeza fiebre calentura mareado mareada entumecido adormecida receta farmacia resultados cancelar ' +
  'reprogramar medicamento medicina necesito quisiera manana martes miercoles jueves viernes sabado domingo ' +
  'confirmo confirmar factura seguro expediente'
).split(' ');

// Real words one edit away from a key word.
const PROTECTED = new Set(
  ('chess cheat chests press presser breed breeding bleeping pleading reading leading feeding heading needing ' +
    'strike stoke stroked strokes stork hecho techo echo lecho derecho never fewer lever sever seven clever ' +
    'smelling spelling selling dwelling yelling telling swelled cooking joking smoking poking stoking painted ' +
    'fainter meditation conclusion infusion confuse confusing refills refilled cancels cancer cancels results result ' +
    'record recorder resolve pharmacist dizzying wrench ' +
    'threat breadth wreath bleed bleeds blessing feeling fueling dueling ' +
    'seguros seguir segundo cabezas pecado pescado respeto receto recetas mañana medicinas medicamentos ' +
    'infants throats tongues fevers strokes seizing seized swallow swallowing headaches doctors tuesday ' +
    'blending prison conform assurance dedication comfort confirms confirmed statements schedules scheduled morning mornings').split(' '),
);

function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

const KEY_SET = new Set(KEY_WORDS);
const cache = new Map<string, string>();

export function correctWord(word: string): string {
  if (word.length < 5 || KEY_SET.has(word) || PROTECTED.has(word) || /[^a-z]/.test(word)) return word;
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  const max = word.length >= 9 ? 2 : 1;
  let best = word;
  let bestD = max + 1;
  for (const k of KEY_WORDS) {
    const d = distance(word, k, max);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  // plural/verb forms of a key word are not typos
  if (best !== word && (word.startsWith(best) || best.startsWith(word)) && Math.abs(best.length - word.length) <= 2 && bestD <= 2 && /(s|es|ed|ing|d)$/.test(word)) best = word;
  if (cache.size > 100_000) cache.clear();
  cache.set(word, best);
  return best;
}

/** Applies correctWord to each word of normalised text (punctuation tokens pass through). */
export function correctTypos(normalized: string): string {
  return normalized
    .split(' ')
    .map((w) => correctWord(w))
    .join(' ');
}
