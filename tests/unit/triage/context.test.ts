/**
 * Context in both languages (NegEx/ConText): negation with its scope, history, resolved,
 * hypothetical, idioms, someone else; and the asymmetric needsHuman rules.
 */
import { describe, expect, it } from 'vitest';
import { loadDefaultTriage } from '../../../triage/index.js';

const triage = loadDefaultTriage();
const t = (text: string) => triage.triage({ text });

describe('negation scope', () => {
  it('stops at a comma: "no respira bien, labios morados" keeps the blue lips', () => expect(t('no respira bien, labios morados').urgency).toBe('emergency'));
  it('runs along a list closed by "or": "denies chest pain, shortness of breath or dizziness"', () => expect(t('denies chest pain, shortness of breath or dizziness, needs a refill of amlodipine').urgency).not.toBe('emergency'));
  it('runs along a list closed by "ni": "sin fiebre, tos ni dolor de pecho"', () => expect(t('sin fiebre, tos ni dolor de pecho, solo cansancio').urgency).not.toBe('emergency'));
  it('stops at "but": "no fever but my lips are turning blue"', () => expect(t('no fever but my lips are turning blue').urgency).toBe('emergency'));
  it('"never had pain like this" is not a denial', () => expect(t('never had chest pain like this before').urgency).toBe('emergency'));
  it('"I do not know how many she ate" does not negate the ingestion', () => expect(t('my toddler got into my pills, I do not know how many she ate').urgency).toBe('emergency'));
  it('"no sé cuántas se comió" tampoco', () => expect(t('mi niña se metió a mis pastillas, no sé cuántas se comió').urgency).toBe('emergency'));
});

describe('history, resolved, hypothetical, idioms, someone else', () => {
  const notEmergency = [
    'I had a heart attack in 2019, need my cardiology referral',
    'last month I went to the ER with chest pain, it was reflux',
    'hace 2 años tuve un derrame, necesito mi cita de control',
    'el mes pasado tuve una convulsión, ya estoy bien',
    'had a nosebleed this morning but it stopped after five minutes',
    'ya se me quitó el dolor de pecho, era de la tos',
    'what should I do if my son has a seizure at school?',
    'qué hago si me da dolor de pecho otra vez?',
    'this bill is killing me',
    'me muero de la vergüenza, olvidé mi cita',
    'I almost had a heart attack when I saw the price',
    'casi me da un infarto con la cuenta',
    'my coworker passed out yesterday, she is fine now, should I get a flu shot?',
  ];
  for (const text of notEmergency) it(`"${text}" is not an emergency`, () => expect(t(text).urgency).not.toBe('emergency'));

  const emergency = [
    'my mom is having chest pain right now',
    'mi papá no despierta',
    'I had a stroke in 2020 and now my face is drooping again',
    'my friend took a whole bottle of pills and is barely breathing',
  ];
  for (const text of emergency) it(`"${text}" is an emergency (a family member or someone in danger still counts)`, () => expect(t(text).urgency).toBe('emergency'));
});

describe('needsHuman is asymmetric', () => {
  it('a denied self-harm thought still goes to a person', () => {
    const r = t('no tengo ideas de suicidio, solo estrés');
    expect(r.urgency).not.toBe('emergency');
    expect(r.needsHuman).toBe(true);
  });
  it('an emergency held back by context still goes to a person', () => {
    const r = t('I had chest pain this morning but it went away');
    expect(r.urgency).not.toBe('emergency');
    expect(r.needsHuman).toBe(true);
  });
  it('an opt-out that also carries clinical content goes to a person', () => {
    const r = t('stop texting me, I want to die');
    expect(r.needsHuman).toBe(true);
    expect(r.urgency).toBe('emergency');
  });
  it('a bare STOP does not', () => {
    const r = t('STOP');
    expect(r.intent).toBe('opt_out');
    expect(r.needsHuman).toBe(false);
  });
  it('a low-confidence opt-out is not exempt', () => {
    const r = triage.explain({ text: 'ok stop it' });
    if (r.intent === 'opt_out' && r.confidence < 0.5) expect(r.needsHuman).toBe(true);
  });
  it('any affirmed clinical concept goes to a person', () => expect(t('I have a small rash on my arm, can I get an appointment').needsHuman).toBe(true));
  it('an appointment request alone does not', () => expect(t('can I book a physical next month').needsHuman).toBe(false));
});

describe('--explain shows what lies behind the urgency', () => {
  it('spans, concepts with context, the frame with its source and the model score', () => {
    const text = 'no fever, but my lips are turning blue';
    const r = triage.explain({ text });
    const u = r.explanation.urgency!;
    expect(u.frames[0]).toMatchObject({ id: 'trouble_breathing', urgency: 'emergency' });
    expect(u.frames[0]!.source).toMatch(/Manchester/);
    for (const e of u.frames[0]!.evidence) expect(text.slice(e.start, e.end)).toBe(e.text);
    expect(u.concepts.find((c) => c.concept === 'fever')?.context.negated).toBe(true);
    expect(u.concepts.find((c) => c.concept === 'cyanosis')?.affirmed).toBe(true);
    expect(u.thresholds.emergency).toBeGreaterThan(0);
    expect(u.model).not.toBeNull();
  });
});

describe('lone despair and despair aimed at the practice', () => {
  // a lone statement of despair with nothing it is about is a 988 warning sign: emergency
  for (const text of ["I can't take it anymore", 'ya no aguanto', 'no quiero seguir'])
    it(`"${text}" alone is an emergency`, () => expect(t(text).urgency).toBe('emergency'));
  // the same words aimed at the phones, the pharmacy, the office: a person reads it, no 988 reply
  for (const text of [
    "I can't take it anymore, your phone line is always busy",
    'ya no aguanto, nadie me contesta el telefono',
    "I'm done with this pharmacy, can't take it anymore",
    'ya no puedo mas con la farmacia, llevo una semana sin mi receta',
  ])
    it(`"${text}" is not an emergency, and a person still reads it`, () => {
      const r = t(text);
      expect(r.urgency).not.toBe('emergency');
      expect(r.needsHuman).toBe(true);
    });
  // a plan or the means at hand still make it an emergency whatever else is named
  for (const text of ["I can't go on, the pharmacy filled my pills and I am going to take them all tonight", 'ya no aguanto, nadie contesta el telefono y tengo las pastillas listas para tomarmelas todas'])
    it(`"${text}" stays an emergency`, () => expect(t(text).urgency).toBe('emergency'));
});
