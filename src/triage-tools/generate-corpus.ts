/**
 * Writes triage/corpus/generated.jsonl from corpus-templates.ts: slots filled with a seeded
 * PRNG, then dressed the way each channel really arrives (SMS shorthand and typos, voicemail
 * transcripts without punctuation, emails with greetings and signatures, portal subjects).
 * Run: npx tsx src/triage-tools/generate-corpus.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../triage/classifier.js';
import type { Channel } from '../../triage/types.js';
import { SLOTS_EN, SLOTS_ES, TEMPLATES, type Template } from './corpus-templates.js';

const rand = seededRandom(20260514);
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
const chance = (p: number) => rand() < p;

function fill(text: string, lang: 'en' | 'es'): string {
  const slots = lang === 'es' ? SLOTS_ES : SLOTS_EN;
  return text.replace(/\{(\w+)\}/g, (_, k: string) => pick(slots[k] ?? [k]));
}

const SMS_EN: [RegExp, string][] = [
  [/\byou\b/g, 'u'], [/\byour\b/g, 'ur'], [/\bplease\b/g, 'pls'], [/\bappointment\b/g, 'appt'], [/\btomorrow\b/g, 'tmrw'],
  [/\bprescription\b/g, 'rx'], [/\bbecause\b/g, 'bc'], [/\bthanks\b/g, 'thx'], [/\bI am\b/g, 'im'], [/\bI'm\b/g, 'im'],
  [/\bdoctor\b/g, 'dr'], [/\bcan't\b/g, 'cant'], [/\bdon't\b/g, 'dont'], [/\bmedication\b/g, 'meds'], [/\bwith\b/g, 'w'],
  [/\babout\b/g, 'abt'], [/\bare\b/g, 'r'],
];
const SMS_ES: [RegExp, string][] = [
  [/\bque\b/g, 'q'], [/\bpor favor\b/g, 'porfa'], [/\bporque\b/g, 'xq'], [/\btambién\b/g, 'tmb'], [/\bestoy\b/g, 'toy'],
  [/\bpara\b/g, 'pa'], [/\bdoctor\b/g, 'dr'], [/\bmañana\b/g, 'mñn'], [/\bde\b/g, 'd'],
];

function typo(word: string): string {
  if (word.length < 5 || !/^[a-záéíóúñ]+$/i.test(word)) return word;
  const i = 1 + Math.floor(rand() * (word.length - 3));
  const kind = rand();
  if (kind < 0.4) return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2); // swap
  if (kind < 0.7) return word.slice(0, i) + word.slice(i + 1); // drop
  return word.slice(0, i) + word[i] + word.slice(i); // double
}

function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

function smsNoise(text: string, lang: 'en' | 'es'): string {
  let s = text;
  if (chance(0.5)) for (const [re, r] of lang === 'es' ? SMS_ES : SMS_EN) if (chance(0.6)) s = s.replace(re, r);
  if (lang === 'es' && chance(0.6)) s = stripAccents(s);
  if (chance(0.35)) s = s.split(' ').map((w) => (chance(0.12) ? typo(w) : w)).join(' ');
  if (chance(0.5)) s = s.replace(/[.,!?¿¡;]/g, '');
  const c = rand();
  if (c < 0.45) s = s.toLowerCase();
  else if (c < 0.55) s = s.toUpperCase();
  if (chance(0.15)) s += lang === 'es' ? pick([' gracias', ' porfa', ' 🙏', ' gracias!!']) : pick([' thx', ' thank u', ' ty', ' 🙏', '!!', ' asap']);
  return s;
}

const FILLERS_EN = ['um', 'uh', 'yeah so', 'and uh', 'okay so'];
const FILLERS_ES = ['este', 'eh', 'pues', 'bueno', 'o sea'];

function spokenPhone(phone: string, lang: 'en' | 'es'): string {
  const digits = phone.replace(/\D/g, '').slice(-10);
  if (chance(0.5)) return digits.split('').join(' ');
  const words = lang === 'es'
    ? ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve']
    : ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  return digits.split('').map((d) => words[Number(d)]).join(' ');
}

function voicemail(body: string, lang: 'en' | 'es'): string {
  const slots = lang === 'es' ? SLOTS_ES : SLOTS_EN;
  const name = pick(slots.name!);
  const phone = pick(slots.phone!);
  let b = body.replace(/[.!?¿¡,;]/g, '').toLowerCase();
  if (lang === 'es') b = stripAccents(b);
  const fill = () => pick(lang === 'es' ? FILLERS_ES : FILLERS_EN);
  const parts =
    lang === 'es'
      ? [
          pick([`hola buenos dias habla ${name.toLowerCase()}`, `hola si mire le llamo`, `buenas tardes mi nombre es ${name.toLowerCase()}`, 'hola']),
          fill(),
          b,
          chance(0.6) ? `mi numero es ${spokenPhone(phone, 'es')}` : '',
          pick(['gracias', 'gracias bye', 'por favor llamenme gracias', '']),
        ]
      : [
          pick([`hi this is ${name.toLowerCase()}`, `hey it's ${name.toLowerCase()} calling`, `hello my name is ${name.toLowerCase()} and`, 'hi yes']),
          fill(),
          b,
          chance(0.6) ? `you can reach me at ${spokenPhone(phone, 'en')}` : '',
          pick(['thank you bye', 'thanks', 'okay thank you', 'please call me back thank you', '']),
        ];
  return parts.filter(Boolean).join(' ');
}

function email(body: string, lang: 'en' | 'es'): string {
  const slots = lang === 'es' ? SLOTS_ES : SLOTS_EN;
  const name = pick(slots.name!);
  const greet = lang === 'es'
    ? pick(['Hola,', 'Buenos días,', 'Estimado doctor,', 'Buenas tardes:'])
    : pick(['Hello,', 'Hi,', 'Good morning,', 'Dear Dr. Patel,', 'To whom it may concern,']);
  const sign = lang === 'es'
    ? pick([`Gracias,\n${name}`, `Saludos,\n${name}`, `Atentamente,\n${name}\nEnviado desde mi iPhone`])
    : pick([`Thank you,\n${name}`, `Thanks,\n${name}`, `Best regards,\n${name}\nSent from my iPhone`, `${name}`]);
  let b = body.charAt(0).toUpperCase() + body.slice(1);
  if (!/[.?!]$/.test(b)) b += chance(0.5) ? '.' : '?';
  return `${greet}\n\n${b}\n\n${sign}`;
}

function portal(body: string, lang: 'en' | 'es'): string {
  let b = body.charAt(0).toUpperCase() + body.slice(1);
  if (chance(0.4)) {
    const subj = lang === 'es' ? pick(['Pregunta', 'Consulta', 'Mensaje', 'Ayuda']) : pick(['Question', 'Message for the doctor', 'Follow up', 'Help']);
    b = `Subject: ${subj}\n${b}`;
  }
  return b;
}

function render(tpl: Template): { text: string; channel: Channel } {
  const body = fill(tpl.text, tpl.lang);
  const short = body.length <= 3;
  const r = rand();
  if (short || r < 0.45) return { text: smsNoise(body, tpl.lang), channel: 'sms' };
  if (r < 0.65) return { text: voicemail(body, tpl.lang), channel: 'voice' };
  if (r < 0.8) return { text: email(body, tpl.lang), channel: 'email' };
  return { text: portal(body, tpl.lang), channel: 'portal' };
}

export function generate(): string[] {
  const lines: string[] = [];
  for (const tpl of TEMPLATES) {
    const seen = new Set<string>();
    const n = tpl.text.length <= 3 ? 6 : /\{/.test(tpl.text) ? 9 : 6;
    for (let i = 0; i < n; i++) {
      const { text, channel } = render(tpl);
      if (seen.has(text)) continue;
      seen.add(text);
      lines.push(
        JSON.stringify({ text, intent: tpl.intent, urgency: tpl.urgency ?? 'routine', language: tpl.lang, channel, group: `tpl:${tpl.id}:${tpl.lang}` }),
      );
    }
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL('../../triage/corpus/generated.jsonl', import.meta.url));
  const lines = generate();
  writeFileSync(out, `${lines.join('\n')}\n`);
  console.error(`wrote ${lines.length} examples to ${out}`);
}
