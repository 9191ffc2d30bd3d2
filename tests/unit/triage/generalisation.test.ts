/**
 * Round 4 mechanisms meant to generalise beyond listed phrasings: Spanish spelled by ear,
 * Spanish diminutives, "si" that is a yes in voicemail openings, a function that "stopped",
 * a denial inside a function's own words. Each has its harmless twin.
 */
import { describe, expect, it } from 'vitest';
import { loadDefaultTriage } from '../../../triage/index.js';
import { correctWord, phoneticKeyEs, undiminish } from '../../../triage/typos.js';

const triage = loadDefaultTriage();
const urgency = (text: string) => triage.triage({ text }).urgency;

describe('Spanish spelled by ear', () => {
  it('one key for the spellings patients mix up', () => {
    expect(phoneticKeyEs('inchado')).toBe(phoneticKeyEs('hinchado'));
    expect(phoneticKeyEs('bomitando')).toBe(phoneticKeyEs('vomitando'));
    expect(phoneticKeyEs('cabesa')).toBe(phoneticKeyEs('cabeza'));
    expect(phoneticKeyEs('desmallo')).toBe(phoneticKeyEs('desmayo'));
  });
  it('non-words are read as the known word they sound like', () => {
    expect(correctWord('inchado', 'es')).toBe('hinchado');
    expect(correctWord('cabesa', 'es')).toBe('cabeza');
    expect(correctWord('agitao', 'es')).toBe('agitado');
  });
  it('real words that sound like a known word stay themselves', () => {
    expect(correctWord('sierra', 'es')).toBe('sierra');
    expect(correctWord('casas', 'es')).toBe('casas');
  });
  it('diminutives of known words', () => {
    expect(undiminish('moraditos')).toBe('morados');
    expect(undiminish('rapidito')).toBe('rapido');
    expect(undiminish('bonito')).toBeNull();
    expect(undiminish('mosquito')).toBeNull();
  });
});

describe('context read more widely', () => {
  it('"si" after a greeting or before a courtesy is a yes, not an if', () => {
    expect(urgency('alo si buenas mi niño se trago una pila de boton hace 20 minutos')).toBe('emergency');
    expect(urgency('hola si mire mi esposa no encuentra las palabras')).toBe('emergency');
    expect(urgency('si me da dolor de pecho que hago')).not.toBe('emergency');
  });
  it('a function that stopped is impaired, not resolved', () => {
    expect(urgency('baby kicks stopped since last night, im 38 weeks')).toBe('emergency');
    expect(urgency('my son choked on a grape but coughed it out, he is laughing now')).not.toBe('emergency');
  });
  it('a denial inside the function words impairs it', () => {
    expect(urgency('el bebe no patea desde anoche tengo 38 semanas')).toBe('emergency');
    expect(urgency('el bebe se mueve bien, 30 semanas, confirmo la cita')).toBe('routine');
  });
  it('"at school" is a place, not the past', () => {
    expect(urgency('mi niña comio una galleta con nueces en la escuela le pica todo y tose y tiene la voz rasposa')).not.toBe('routine');
  });
});

describe('round 4 lexicon and model gate', () => {
  it('a limb or face that "went to sleep" is numbness; a baby that went to sleep is not', () => {
    expect(urgency('half my face feels like it went to sleep and my arm on that side wont do what i tell it')).toBe('emergency');
    expect(urgency('my baby went to sleep at 8, can i book her shots')).toBe('routine');
  });
  it('"como si" is a comparison, not a hypothesis', () => {
    expect(urgency('siento como si me pusieran una bolsa en la cabeza no me llena el aire')).toBe('emergency');
  });
  it('a symptom that comes with a habit is not raised by the model alone', () => {
    expect(urgency('se me duerme la pierna cuando me siento mucho')).not.toBe('emergency');
    expect(urgency('my heart races when i drink coffee, should i quit')).not.toBe('emergency');
  });
  it('a causal question is hypothetical', () => {
    expect(urgency('can stress cause a heart attack')).not.toBe('emergency');
    expect(urgency('el estres puede causar un infarto')).not.toBe('emergency');
  });
  it('a "now" that belongs to a request or a recovery does not make history current', () => {
    expect(urgency('de niño tuve anafilaxia con el mani quiero hacerme las pruebas otra vez')).not.toBe('emergency');
    expect(urgency('had a stroke 3 years ago and now my face is drooping again')).toBe('emergency');
  });
});

describe('"X is a headache" about a thing, not a symptom', () => {
  it('a boss or the paperwork that is a headache is an idiom', () => {
    expect(urgency('mi jefe es un dolor de cabeza necesito una nota pa el viernes')).not.toBe('emergency');
    expect(urgency('my boss is a headache, need a work note for friday')).not.toBe('emergency');
  });
  it('a headache described as one stays a symptom', () => {
    expect(urgency('es un dolor de cabeza muy fuerte, el peor de mi vida')).toBe('emergency');
    expect(urgency('this is a headache that will not go away, worst of my life')).toBe('emergency');
  });
});

describe('round 4: measures, treatment failure, harm to others', () => {
  it('feeling fine does not undo a number measured now', () => {
    expect(urgency('sugar was 340 this morning, i feel fine')).not.toBe('routine');
    expect(urgency('el azucar en 340 esta mañana me siento bien')).not.toBe('routine');
  });
  it('a vital anchor a little further from its number', () => {
    expect(urgency('el reloj dice que el corazon esta en 190 y me siento fatal')).toBe('emergency');
  });
  it('an illness not answering its treatment is urgent; one that is better is not', () => {
    expect(urgency("pneumonia diagnosed yesterday and i'm not better on the antibiotics")).toBe('urgent');
    expect(urgency('me diagnosticaron neumonia ayer y no mejoro con el antibiotico')).toBe('urgent');
    expect(urgency('finished the antibiotics and i feel better, can i get a note')).toBe('routine');
  });
  it('intent to hurt a named person is an emergency; a joking "kill" is not', () => {
    expect(urgency("i'm going to hurt my husband, i have a knife")).toBe('emergency');
    expect(urgency('oigo voces que me dicen que le haga daño al bebe')).toBe('emergency');
    expect(urgency('im going to kill my husband for eating my leftovers lol')).not.toBe('emergency');
  });
});
