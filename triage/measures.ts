/**
 * Numbers that carry meaning: vital signs next to their anchor word ("oxygen 84%", "BP
 * 72/40", "sugar 38", "temp 106"), ages ("6 week old", "bebé de 2 meses"), weeks of
 * pregnancy, days since delivery, pill counts, doses in mg and body weights.
 */
import type { Mention } from './concepts.js';
import { startsMedication, type TokenView } from './concepts.js';

export type MeasureKind =
  | 'spo2'
  | 'hr'
  | 'sbp'
  | 'dbp'
  | 'glucose'
  | 'temp_c'
  | 'inr'
  | 'rr'
  | 'sodium'
  | 'potassium'
  | 'age_days'
  | 'preg_weeks'
  | 'postpartum_days'
  | 'pill_count'
  | 'dose_mg'
  | 'weight_kg'
  | 'symptom_days'
  | 'minutes_ago';

export interface Measure {
  kind: MeasureKind;
  value: number;
  from: number;
  to: number;
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20, thirty: 30,
  forty: 40, fifty: 50, sixty: 60, hundred: 100, dozen: 12, a: 1, an: 1, couple: 2, few: 3,
  un: 1, uno: 1, una: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10, once: 11,
  doce: 12, quince: 15, veinte: 20, treinta: 30, cuarenta: 40, cincuenta: 50, cien: 100, docena: 12, par: 2,
};

function numberAt(ts: TokenView[], i: number, allowWords = true): number {
  const t = ts[i];
  if (!t) return Number.NaN;
  if (t.isNum) return t.value;
  if (allowWords && Object.hasOwn(NUMBER_WORDS, t.w) && t.w !== 'a' && t.w !== 'an' && t.w !== 'once') return NUMBER_WORDS[t.w]!;
  return Number.NaN;
}

const AGE_UNIT: Record<string, number> = {
  day: 1, days: 1, dia: 1, dias: 1, week: 7, weeks: 7, semana: 7, semanas: 7, month: 30, months: 30, mes: 30, meses: 30,
  year: 365, years: 365, ano: 365, anos: 365, anito: 365, anitos: 365, mesecito: 30, mesecitos: 30,
};
const PILL_WORDS = /^(pills?|tablets?|tabs?|capsules?|caplets?|chewables?|gummies|gummy|gel|pastillas?|pastillitas|pildoras?|tabletas?|capsulas?|gomitas|extra|ambien|xanax|advil|tylenols?|aspirins?|ibuprofen|motrin|aleve|benadryl|percocet|vicodin|oxy\w*|norco|valium|klonopin|ativan|melatonin\w*|sleeping|iron|vitamins?|loperamide|imodium)$/;

function near(mentions: Mention[], id: string | string[], from: number, to: number): Mention | undefined {
  const ids = Array.isArray(id) ? id : [id];
  return mentions.find((m) => ids.includes(m.id) && m.from >= from && m.to <= to);
}

function noPunctBetween(ts: TokenView[], a: number, b: number): boolean {
  for (let i = Math.min(a, b); i <= Math.max(a, b); i++) if (ts[i]?.isPunct && ts[i]!.w !== ',') return false;
  return true;
}

/** Closest vital anchor before the number (within 6 words, 8 with no number between, same sentence), or right after it. */
function anchorFor(ts: TokenView[], mentions: Mention[], i: number): string | undefined {
  let best: Mention | undefined;
  for (const m of mentions) {
    if (m.type !== 'vital') continue;
    // up to 6 words, or 8 when no other number stands between ("el azucar de mi papa ha
    // estado arriba de 300")
    if (m.to < i && (i - m.to <= 6 || (i - m.to <= 8 && !ts.slice(m.to + 1, i).some((t) => t.isNum))) && noPunctBetween(ts, m.to, i)) {
      if (!best || m.to > best.to) best = m;
    }
  }
  if (best) return best.id;
  const after = mentions.find((m) => m.type === 'vital' && m.from > i && m.from - i <= 2);
  return after?.id;
}

// what a number needs around it to be read as a measure with no clinical word in the message
// (the anchored ones, "sats 88", "temp 103", need their anchor, a clinical word)
const UNIT_AFTER = new Set(['over', 'sobre', 'mg', 'milligrams', 'miligramos', 'g', 'grams', 'gramos', '%', 'percent', 'por', 'beats', 'bpm', 'latidos', 'pulsaciones', 'f', 'c', 'degrees', 'grados', 'fahrenheit', 'celsius', 'of', 'de', 'fever']);
const BEFORE_NUMBER = new Set(['at', 'a']);

/**
 * Whether some number of the message can be read as a measure that counts as clinical (a
 * blood pressure "180/110", a temperature "tengo 38.3", a dose "500 mg", a pill count "30
 * xanax", a pulse "at 150 bpm") when no clinical word is there: the gate of assessUrgency
 * looks at numbers only through this, so a time, a date or a street number alone is no reason
 * to match the lexicon.
 */
export function mayMeasure(ts: TokenView[]): boolean {
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (!t.isNum) continue;
    if (/[/.,]/.test(t.w)) return true;
    const next = ts[i + 1];
    if (next && (UNIT_AFTER.has(next.w) || PILL_WORDS.test(next.w) || startsMedication(next))) return true;
    const after = ts[i + 2];
    if (after && startsMedication(after)) return true;
    if (BEFORE_NUMBER.has(ts[i - 1]?.w ?? '')) return true;
  }
  return false;
}

export function readMeasures(ts: TokenView[], mentions: Mention[]): Measure[] {
  const out: Measure[] = [];
  const pregnancy = mentions.some((m) => m.id === 'pregnant' || m.id === 'fetal_move' || m.id === 'fetal_quiet' || m.id === 'fluid_leak' || m.id === 'contractions' || m.id === 'cord' || m.id === 'rigid_belly');
  const postpartum = mentions.some((m) => m.id === 'postpartum');
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    const w = t.w;
    const next = ts[i + 1]?.w ?? '';
    const next2 = ts[i + 2]?.w ?? '';
    const prev = ts[i - 1]?.w ?? '';

    // blood pressure "180/110" or "160 over 100"
    const bp = /^(\d{2,3})\/(\d{2,3})$/.exec(w);
    if (bp) {
      const s = Number(bp[1]);
      const d = Number(bp[2]);
      if (s >= 50 && s <= 300 && d >= 20 && d <= 200 && s > d) {
        out.push({ kind: 'sbp', value: s, from: i, to: i }, { kind: 'dbp', value: d, from: i, to: i });
      }
      continue;
    }
    if (t.isNum && (next === 'over' || next === 'sobre') && ts[i + 2]?.isNum) {
      const s = t.value;
      const d = ts[i + 2]!.value;
      if (s >= 50 && s <= 300 && d >= 20 && d <= 200 && s > d && anchorFor(ts, mentions, i) === 'v_bp') {
        out.push({ kind: 'sbp', value: s, from: i, to: i + 2 }, { kind: 'dbp', value: d, from: i, to: i + 2 });
        continue;
      }
    }

    // glucose meters read HI and LO beyond their range
    if ((w === 'hi' || w === 'high' || w === 'lo') && anchorFor(ts, mentions, i) === 'v_glucose' && (prev === 'says' || prev === 'reads' || prev === 'dice' || prev === 'marca' || prev === 'reading' || prev === 'is' || prev === 'en')) {
      out.push({ kind: 'glucose', value: w === 'lo' ? 20 : 600, from: i, to: i });
      continue;
    }

    const n = numberAt(ts, i);
    if (Number.isNaN(n)) continue;

    // ages: "6 week old", "2 month old", "bebe de 6 semanas", "mi nino de 1 ano", "3 meses"
    const unit = AGE_UNIT[next];
    if (unit !== undefined) {
      const old = next2 === 'old' || next2 === 'de' && (ts[i + 3]?.w === 'nacido' || ts[i + 3]?.w === 'nacida' || ts[i + 3]?.w === 'edad');
      const spanishAge = prev === 'de' && near(mentions, 'family', Math.max(0, i - 4), i - 1) && !(pregnancy && unit === 7);
      const babyMonths = (next === 'meses' || next === 'mes' || next === 'months' || next === 'month' || next === 'weeks' || next === 'semanas' || next === 'dias' || next === 'days') &&
        near(mentions, 'family', Math.max(0, i - 3), i - 1) !== undefined && !pregnancy;
      if (old || spanishAge || babyMonths) {
        out.push({ kind: 'age_days', value: n * unit, from: i, to: i + 1 });
        continue;
      }
      // "I'm 36 weeks", "tengo 20 semanas", "34 semanas, ..." : weeks of pregnancy said alone
      const statesWeeks = unit === 7 && n >= 4 && n <= 42 && !postpartum && (i === 0 || /^(im|am|tengo|estoy|at|a|las|de)$/.test(prev)) && !/^(ago|atras)$/.test(next2) && prev !== 'hace' && prev !== 'for' && prev !== 'durante';
      // weeks of pregnancy
      if (statesWeeks || (unit === 7 || unit === 30) && pregnancy && !/^(ago|atras)$/.test(next2) && prev !== 'hace' && prev !== 'for' && prev !== 'durante') {
        out.push({ kind: 'preg_weeks', value: unit === 7 ? n : Math.round(n * 4.3), from: i, to: i + 1 });
        continue;
      }
      // days since delivery: "5 days after my c section", "2 weeks postpartum", "gave birth 4 days ago", "a los 5 dias de la cesarea"
      const pp = mentions.find((m) => m.id === 'postpartum' && Math.abs(m.from - i) <= 6);
      if (pp && unit <= 30) {
        out.push({ kind: 'postpartum_days', value: n * unit, from: i, to: i + 1 });
        continue;
      }
      // how long a symptom has lasted: "for 5 days", "lleva 5 dias", "5 days now"
      if ((unit === 1 || unit === 7) && (prev === 'for' || prev === 'lleva' || prev === 'llevo' || prev === 'durante' || prev === 'past' || next2 === 'now' || next2 === 'straight' || prev === 'con' || (prev === 'hace' && ts[i - 2]?.w === 'desde'))) {
        out.push({ kind: 'symptom_days', value: n * unit, from: i - 1, to: i + 1 });
        continue;
      }
    }
    if ((next === 'minutes' || next === 'minutos' || next === 'min' || next === 'hours' || next === 'horas') && (next2 === 'ago' || prev === 'hace')) {
      out.push({ kind: 'minutes_ago', value: next.startsWith('h') ? n * 60 : n, from: i, to: i + 2 });
      continue;
    }

    // weight and dose
    if (next === 'lb' || next === 'lbs' || next === 'pound' || next === 'pounds' || next === 'libras') {
      out.push({ kind: 'weight_kg', value: n * 0.4536, from: i, to: i + 1 });
      continue;
    }
    if ((next === 'kg' || next === 'kilos' || next === 'kilogramos') && !near(mentions, 'v_glucose', i - 4, i)) {
      out.push({ kind: 'weight_kg', value: n, from: i, to: i + 1 });
      continue;
    }
    if (next === 'mg' || next === 'milligrams' || next === 'miligramos' || next === 'g' || next === 'grams' || next === 'gramos') {
      out.push({ kind: 'dose_mg', value: next.startsWith('g') ? n * 1000 : n, from: i, to: i + 1 });
      continue;
    }

    if (!t.isNum) {
      // a pill count said in words: "took eight loperamide capsules", "se tomo veinte pastillas"
      if (n >= 2 && PILL_WORDS.test(next)) out.push({ kind: 'pill_count', value: n, from: i, to: i + 1 });
      continue;
    }

    // vitals by their anchor word
    const anchor = anchorFor(ts, mentions, i);
    const percent = next === '%' || next === 'percent' || next === 'por' && next2 === 'ciento';
    if ((anchor === 'v_spo2' || (percent && near(mentions, ['v_spo2', 'breathe', 'breathless', 'cyanosis'], Math.max(0, i - 8), i + 6))) && n >= 40 && n <= 100) {
      out.push({ kind: 'spo2', value: n, from: i, to: i });
      continue;
    }
    if (anchor === 'v_hr' && n >= 15 && n <= 260) {
      out.push({ kind: 'hr', value: n, from: i, to: i });
      continue;
    }
    if (anchor === 'v_inr' && n > 0 && n < 20) {
      out.push({ kind: 'inr', value: n, from: i, to: i });
      continue;
    }
    if (anchor === 'v_rr' && n >= 4 && n <= 90) {
      out.push({ kind: 'rr', value: n, from: i, to: i });
      continue;
    }
    if (anchor === 'v_sodium') {
      const word = mentions.find((m) => m.id === 'v_sodium' && m.to < i && i - m.to <= 6);
      const isK = word && /^(potassium|potasio)$/.test(ts[word.from]!.w);
      out.push({ kind: isK ? 'potassium' : 'sodium', value: n, from: i, to: i });
      continue;
    }
    const tempUnit = next === 'f' || next === 'c' || next === 'degrees' || next === 'grados' || next === 'fahrenheit' || next === 'celsius';
    if ((anchor === 'v_temp' || tempUnit) && ((n >= 93 && n <= 110) || (n >= 34 && n <= 43.5))) {
      out.push({ kind: 'temp_c', value: n > 50 ? Math.round(((n - 32) * 5) / 9 * 10) / 10 : n, from: i, to: i });
      continue;
    }
    if (anchor === 'v_glucose' && n >= 10 && n <= 1500 && next !== 'mg' && !/^(am|pm|minutes|min|years|anos|units|unidades|carbs|grams)$/.test(next)) {
      out.push({ kind: 'glucose', value: n, from: i, to: i });
      continue;
    }
    if (anchor === 'v_bp' && n >= 50 && n <= 300 && (prev === 'systolic' || prev === 'top' || next === 'systolic')) {
      out.push({ kind: 'sbp', value: n, from: i, to: i });
      continue;
    }
    // "tengo 39.8 y escalofrios", "100.9 and chills": a decimal in the fever range beside a fever word
    if (/\./.test(w) && ((n >= 37.5 && n <= 43) || (n >= 99.5 && n <= 108)) && near(mentions, 'fever', Math.max(0, i - 6), i + 6)) {
      out.push({ kind: 'temp_c', value: n > 50 ? Math.round(((n - 32) * 5) / 9 * 10) / 10 : n, from: i, to: i });
      continue;
    }
    // "has 39.5", "tengo 38.3": a decimal in the fever range (Celsius) said as something one has
    if (/\./.test(w) && n >= 38 && n <= 42.5 && /^(has|have|had|running|tiene|tengo|tenia|trae|traigo)$/.test(prev ?? '') && !/^(kg|kilos|lb|lbs|pounds|libras|weeks|semanas|wks|cm|inches|pulgadas)$/.test(next ?? '')) {
      out.push({ kind: 'temp_c', value: n, from: i, to: i });
      continue;
    }
    // temperature said with the fever word after it: "a 103 fever", "39 de fiebre"
    if (((n >= 99 && n <= 110) || (n >= 37.5 && n <= 43.5)) && (next === 'fever' || (next === 'de' && (next2 === 'fiebre' || next2 === 'temperatura' || next2 === 'calentura')))) {
      out.push({ kind: 'temp_c', value: n > 50 ? Math.round(((n - 32) * 5) / 9 * 10) / 10 : n, from: i, to: i + 1 });
      continue;
    }
    // heart rate said as "heart ... at 170", "170 beats", "late a 160"
    if (n >= 30 && n <= 260 && (next === 'beats' || next === 'bpm' || next === 'latidos' || next === 'pulsaciones' || (prev === 'at' || prev === 'a') && near(mentions, ['heart', 'palpitations'], Math.max(0, i - 6), i))) {
      out.push({ kind: 'hr', value: n, from: i, to: i });
      continue;
    }
    // pill counts: "took 30 of my tylenol", "15 pills", "20 ambien", "me tome 30 pastillas"
    const ofMeds = (next === 'of' || next === 'de') && near(mentions, ['medication', 'med_name'], i + 2, i + 6);
    if (n >= 2 && n <= 1000 && Number.isInteger(n) && (PILL_WORDS.test(next) || ofMeds || near(mentions, ['medication', 'med_name'], i + 1, i + 2))) {
      out.push({ kind: 'pill_count', value: n, from: i, to: i + 1 });
    }
  }
  return out;
}
