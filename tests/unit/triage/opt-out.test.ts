/** detectOptOut: keywords alone (any case or punctuation) and free text asking to stop messages. */
import { describe, expect, it } from 'vitest';
import { detectOptOut } from '../../../triage/index.js';

const KEYWORDS: [string, 'en' | 'es'][] = [
  ['STOP', 'en'], ['STOPALL', 'en'], ['END', 'en'], ['QUIT', 'en'], ['CANCEL', 'en'], ['UNSUBSCRIBE', 'en'], ['REVOKE', 'en'], ['OPTOUT', 'en'],
  ['PARAR', 'es'], ['ALTO', 'es'], ['BAJA', 'es'], ['DETENER', 'es'], ['CANCELAR', 'es'],
];
const dress = (w: string) => [w, w.toLowerCase(), `${w[0]}${w.slice(1).toLowerCase()}`, `${w}.`, ` ${w.toLowerCase()}!! `, `"${w}"`, `${w}?`];

describe('keywords alone', () => {
  for (const [word, language] of KEYWORDS) {
    for (const text of dress(word)) it(`${JSON.stringify(text)} -> keyword ${language}`, () => expect(detectOptOut(text)).toEqual({ kind: 'keyword', language }));
  }
  // short fixed requests are taken as keywords (the whole message is the request)
  for (const text of ['stop all', 'Opt-out', 'opt out', 'STOP ALL.', 'stop texting', 'no more texts']) it(`${JSON.stringify(text)} -> keyword`, () => expect(detectOptOut(text)?.kind).toBe('keyword'));
});

describe('free text that asks to stop messages', () => {
  const en = ['please stop texting me', 'Stop sending me these messages', 'take me off your list', 'quit calling me please', 'do not text me anymore',
    'I don\'t want these reminders anymore', 'unsubscribe me please', 'remove my number from your list', 'STOP SENDING ME MESSAGES', 'please stop messaging me, thanks'];
  const es = ['no me manden más mensajes', 'dejen de mandarme mensajes', 'ya no quiero recibir mensajes', 'quítenme de su lista', 'denme de baja por favor',
    'dejen de enviarme recordatorios', 'ya no me manden', 'No me envíen más textos', 'quiero darme de baja', 'cancelar los mensajes'];
  for (const text of en) it(`${JSON.stringify(text)} -> phrase en`, () => expect(detectOptOut(text)).toEqual({ kind: 'phrase', language: 'en' }));
  for (const text of es) it(`${JSON.stringify(text)} -> phrase es`, () => expect(detectOptOut(text)).toEqual({ kind: 'phrase', language: 'es' }));
});

describe('messages that only contain a stop word', () => {
  const none = ["I can't stop coughing", 'stop by the office tomorrow?', 'cancel my appointment', 'can I stop taking my statin', 'the bleeding will not stop', 'when do I stop the antibiotic',
    'stop sending the bill to my old address', "don't stop texting me, I like the reminders", 'tengo la presión baja', 'no para de sangrar', 'cancelar mi cita del martes',
    'no me manden la factura', 'alto dolor en la espalda', 'end of the month is fine for me', 'quit smoking program?', 'my baby will not stop crying'];
  for (const text of none) it(`${JSON.stringify(text)} -> null`, () => expect(detectOptOut(text)).toBeNull());
});
