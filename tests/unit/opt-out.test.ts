import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { detectOptOut } from '../../triage/index';

// fixed seed: the same cases every run, so a failure can be replayed
const params = { seed: 20260105, numRuns: 300 } as const;

const EN_KEYWORDS = ['STOP', 'STOPALL', 'STOP ALL', 'END', 'QUIT', 'CANCEL', 'UNSUBSCRIBE', 'REVOKE', 'OPTOUT', 'OPT OUT', 'OPT-OUT'];
const ES_KEYWORDS = ['PARAR', 'ALTO', 'BAJA', 'DETENER', 'CANCELAR', 'DAR DE BAJA', 'DARME DE BAJA'];

/** How people type a word: any case, with punctuation, emoji, spaces or politeness around it. */
const casing = (word: string) =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((flips) =>
    [...word].map((ch, i) => (flips[i] ? ch.toLowerCase() : ch.toUpperCase())).join(''),
  );
const around = fc.constantFrom('', ' ', '  ', '.', '!', '!!!', '?', ' 🛑', '"', '*', '\n');
const politeEn = fc.constantFrom('', 'please ', 'pls ', 'ok ');
const politeEnAfter = fc.constantFrom('', ' please', ' now', ' thanks', ' thank you');
const politeEs = fc.constantFrom('', 'por favor ', 'ya ');
const politeEsAfter = fc.constantFrom('', ' por favor', ' gracias', ' ya');

const keywordMessage = (words: string[], before: fc.Arbitrary<string>, after: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom(...words).chain(casing), around, around, before, after)
    .map(([word, pre, post, polite, politeAfter]) => `${pre}${polite}${word}${politeAfter}${post}`);

// free text that asks to stop messages: [subject, verb phrase, object, tail]
const enPhrases = fc
  .tuple(
    fc.constantFrom('', 'Please ', 'Hi, please ', 'Can you ', 'I asked you to ', 'Ok just ', 'For the last time, '),
    fc.constantFrom(
      'stop texting me',
      'stop sending me these messages',
      'stop sending me texts',
      'stop messaging me',
      'quit texting me',
      'stop calling me',
      'stop sending reminders',
      "don't text me anymore",
      'do not contact me again',
      'take me off your list',
      'remove me from your texting list',
      'remove my number',
      'unsubscribe me',
      'opt me out',
      'no more texts from you',
      'stop these messages',
      'stop all the reminders',
    ),
    fc.constantFrom('', '.', '!', ' thanks', ', I already have a doctor', ' this is the wrong number', '?'),
  )
  .map(([a, b, c]) => `${a}${b}${c}`);

const esPhrases = fc
  .tuple(
    fc.constantFrom('', 'Por favor ', 'Hola, ', 'Ya ', 'Oiga, '),
    fc.constantFrom(
      'no me manden más mensajes',
      'no me envíen mensajes',
      'dejen de mandarme mensajes',
      'dejen de escribirme',
      'ya no quiero recibir mensajes',
      'no quiero más textos',
      'quiero darme de baja',
      'denme de baja',
      'quiten mi número',
      'sáquenme de la lista',
      'paren de enviar',
    ),
    fc.constantFrom('', '.', '!', ' gracias', ', número equivocado'),
  )
  .map(([a, b, c]) => `${a}${b}${c}`);

// messages that merely contain the words, and ordinary patient messages
const notOptOuts = [
  "I can't stop coughing",
  'I cant stop coughing since yesterday',
  'The bleeding won’t stop',
  'When will the pain stop?',
  'Can I stop by the office to pick up forms?',
  "I'll stop by tomorrow",
  'Should I stop taking my lisinopril?',
  'I want to stop taking metformin',
  'Cancel my appointment',
  'I need to cancel my appointment on Tuesday',
  'Please cancel my 3pm',
  'cancelar mi cita',
  'quiero cancelar la cita del martes',
  'necesito cancelar mi cita',
  'tengo el azúcar baja',
  'tengo la presión alta',
  'fiebre alta desde ayer',
  'the bus stop near the clinic',
  'end of the month',
  'I quit smoking last year',
  'stop sending my prescription to CVS, send it to Walgreens',
  'please do not stop sending reminders, they help',
  'no dejen de mandarme recordatorios por favor',
  'yes',
  'C',
  'X',
  'R',
  'thanks',
  'gracias',
  'STOPPED',
  'stopwatch',
  'Can you call me back?',
  'Text me when the results are in',
  'Did you get my message?',
  'I want to end it all',
  'end it',
  'ya no puedo más',
  'no me llamó nadie',
  'mi hija no para de toser',
  '',
  '   ',
  '🛑',
];

describe('detectOptOut: opt-out words alone', () => {
  it('English keywords, any case, punctuation and politeness around them, are keywords in English', () => {
    fc.assert(
      fc.property(keywordMessage(EN_KEYWORDS, politeEn, politeEnAfter), (text) => {
        expect(detectOptOut(text)).toEqual({ kind: 'keyword', language: 'en' });
      }),
      params,
    );
  });

  it('Spanish keywords are keywords in Spanish', () => {
    fc.assert(
      fc.property(keywordMessage(ES_KEYWORDS, politeEs, politeEsAfter), (text) => {
        expect(detectOptOut(text)).toEqual({ kind: 'keyword', language: 'es' });
      }),
      params,
    );
  });

  it('accents do not matter', () => {
    expect(detectOptOut('Dár de bája')).toEqual({ kind: 'keyword', language: 'es' });
    expect(detectOptOut('stop stop stop')).toEqual({ kind: 'keyword', language: 'en' });
  });
});

describe('detectOptOut: free text asking to stop', () => {
  it('English requests are phrases in English', () => {
    fc.assert(
      fc.property(enPhrases, (text) => {
        expect(detectOptOut(text)).toEqual({ kind: 'phrase', language: 'en' });
      }),
      params,
    );
  });

  it('the same requests shouted in capitals', () => {
    fc.assert(
      fc.property(enPhrases, (text) => {
        expect(detectOptOut(text.toUpperCase())).toEqual({ kind: 'phrase', language: 'en' });
      }),
      { ...params, numRuns: 100 },
    );
  });

  it('Spanish requests are phrases in Spanish, with or without accents', () => {
    fc.assert(
      fc.property(esPhrases, fc.boolean(), (text, stripAccents) => {
        const t = stripAccents ? text.normalize('NFD').replace(/\p{M}/gu, '') : text;
        expect(detectOptOut(t)).toEqual({ kind: 'phrase', language: 'es' });
      }),
      params,
    );
  });

  it.each([
    ['please stop texting me', 'en'],
    ['Stop sending me these messages', 'en'],
    ['no me manden más mensajes', 'es'],
    ['take me off your list', 'en'],
    ['STOP. Wrong number', 'en'],
    ['Stop texting me, I have chest pain', 'en'],
  ])('%j is a phrase opt-out (%s)', (text, language) => {
    expect(detectOptOut(text)).toEqual({ kind: 'phrase', language });
  });

  it('an opt-out inside a longer message with clinical content is still found', () => {
    fc.assert(
      fc.property(
        enPhrases,
        fc.constantFrom('I have crushing chest pain', 'I need a refill of lisinopril', 'my son has a fever of 104'),
        fc.boolean(),
        (request, clinical, first) => {
          const text = first ? `${clinical}. ${request}` : `${request}. ${clinical}`;
          expect(detectOptOut(text)?.kind).toBe('phrase');
        },
      ),
      { ...params, numRuns: 100 },
    );
  });
});

describe('detectOptOut: lookalikes are not opt-outs', () => {
  it.each(notOptOuts.map((t) => [t]))('%j is not an opt-out', (text) => {
    expect(detectOptOut(text)).toBeNull();
  });

  it('a lookalike stays one whatever the case and punctuation', () => {
    fc.assert(
      fc.property(fc.constantFrom(...notOptOuts.filter((t) => t.trim() !== '')), fc.boolean(), around, (text, upper, end) => {
        expect(detectOptOut(`${upper ? text.toUpperCase() : text}${end}`)).toBeNull();
      }),
      params,
    );
  });

  it('a keyword inside an ordinary sentence is not a keyword', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('STOP', 'END', 'QUIT', 'CANCEL', 'ALTO', 'BAJA', 'CANCELAR'),
        fc.constantFrom('I need to {} my appointment on Friday', 'the {} of my prescription is near', 'la presión {} y dolor de cabeza'),
        (word, frame) => {
          const r = detectOptOut(frame.replace('{}', word.toLowerCase()));
          expect(r?.kind).not.toBe('keyword');
        },
      ),
      params,
    );
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = detectOptOut(text);
        expect(r === null || (['keyword', 'phrase'].includes(r.kind) && ['en', 'es'].includes(r.language))).toBe(true);
      }),
      { ...params, numRuns: 500 },
    );
  });
});
