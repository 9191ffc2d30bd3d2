/**
 * Normalisation never destroys a word: the corruptions of issue 13 (a typo corrector that
 * turned real words into trigger words, shorthand blind to language) stay fixed.
 */
import { describe, expect, it } from 'vitest';
import { loadDefaultTriage, normalizeText } from '../../../triage/index.js';
import { tokenize } from '../../../triage/text.js';
import { correctWord } from '../../../triage/typos.js';

const triage = loadDefaultTriage();

describe('real words are never corrected into other words', () => {
  const cases: [string, 'en' | 'es'][] = [
    ['killing', 'en'], ['blurred', 'en'], ['overdone', 'en'], ['gaping', 'en'], ['drooling', 'en'], ['billing', 'en'],
    ['fractura', 'es'], ['factura', 'es'], ['costillas', 'es'], ['pastillas', 'es'], ['hinchan', 'es'], ['morados', 'es'],
  ];
  for (const [word, lang] of cases) {
    it(`"${word}" stays "${word}" (${lang} and the other language)`, () => {
      expect(correctWord(word, lang)).toBe(word);
      expect(correctWord(word, lang === 'en' ? 'es' : 'en')).toBe(word);
    });
  }
  it('non-words next to a known word are read as that word', () => {
    expect(correctWord('brething', 'en')).toBe('breathing');
    expect(correctWord('unconsious', 'en')).toBe('unconscious');
    expect(correctWord('respirrar', 'es')).toBe('respirar');
    expect(correctWord('sangrnado', 'es')).toBe('sangrando');
  });
  it('the raw span of every token is kept', () => {
    const text = 'Mi bebé de 2 meses tiene 38,5°';
    for (const t of tokenize(text, 'es')) expect(text.slice(t.start, t.end).length).toBeGreaterThan(0);
    expect(tokenize(text, 'es').map((t) => t.w)).toEqual(['mi', 'bebe', 'de', '2', 'meses', 'tiene', '38.5']);
  });
});

describe('shorthand is read in the message language', () => {
  it('"2 yr old" is two years old, "yr" alone is "your"', () => {
    expect(normalizeText('my 2 yr old drank bleach')).toBe('my 2 year old drank bleach');
    expect(normalizeText('is yr office open', 'en')).toBe('is your office open');
  });
  it('Spanish "ya" is "already", never "yes"', () => {
    expect(normalizeText('ya no quiero vivir')).toBe('ya no quiero vivir');
    expect(normalizeText('ya I got it', 'en')).toBe('yes i got it');
  });
});

describe('what the corruptions used to break', () => {
  it('"thinking about killing myself" is an emergency', () => expect(triage.triage({ text: 'thinking about killing myself' }).urgency).toBe('emergency'));
  it('"I have blurred vision" is not an emergency', () => expect(triage.triage({ text: 'I have blurred vision since yesterday' }).urgency).not.toBe('emergency'));
  it('"I overdone it at the gym" is not an overdose', () => expect(triage.triage({ text: 'I think I overdone it at the gym, sore legs' }).urgency).not.toBe('emergency'));
  it('"the wound is gaping" is not gasping', () => expect(triage.triage({ text: 'the cut on my finger is gaping open' }).redFlags).not.toContain('trouble_breathing'));
  it('"my baby is drooling a lot" is not a drooping face', () => expect(triage.triage({ text: 'my baby is drooling a lot, teething?' }).urgency).not.toBe('emergency'));
  it('"fractura de costillas" is not a bill for pills', () => {
    const r = triage.triage({ text: 'tengo una fractura de costillas, me duele al respirar' });
    expect(r.intent).not.toBe('billing');
    expect(r.urgency).not.toBe('routine');
  });
  it('"my 2 yr old swallowed a battery" is an emergency', () => expect(triage.triage({ text: 'my 2 yr old swallowed a battery' }).urgency).toBe('emergency'));
});

describe('words that every plain object has', () => {
  // "constructor" found Object.prototype.constructor in the shorthand tables and tokenizing threw
  for (const word of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
    for (const text of [`my husband is a ${word} and fell off a ladder`, `took 2 ${word}`, `el ${word} me duele el pecho`]) {
      it(`"${text}" is read as words`, () => {
        expect(() => triage.explain({ text })).not.toThrow();
        expect(triage.triage({ text }).language).toMatch(/en|es/);
      });
    }
  }
});
