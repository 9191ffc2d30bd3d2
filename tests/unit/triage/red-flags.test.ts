import { describe, expect, it } from 'vitest';
import { loadDefaultTriage } from '../../../triage/index.js';

const triage = loadDefaultTriage();
// [flag, message, negated twin]
const CASES: [string, string, string][] = [
  ['chest_pain', 'i have chest pain since this morning', 'no chest pain just a cough'],
  ['chest_pain', 'tengo dolor de pecho desde la mañana', 'sin dolor de pecho, solo tos'],
  ['stroke_signs', 'my moms face is drooping and her speech is slurred', 'no face drooping or slurred speech, just tired'],
  ['stroke_signs', 'mi papá tiene la cara caída y habla arrastrado', 'no tiene la cara caida, solo cansancio'],
  ['trouble_breathing', 'i cant breathe', 'no trouble breathing, just a stuffy nose'],
  ['trouble_breathing', 'no puedo respirar bien me falta el aire', 'sin falta de aire, solo gripa'],
  ['anaphylaxis', 'ate peanuts and my throat is closing', 'ate peanuts, no throat swelling at all'],
  ['anaphylaxis', 'comí camarón y se me está cerrando la garganta', 'comi camaron y sin garganta cerrando'],
  ['suicidal_intent', 'i want to kill myself', 'i am not suicidal, just stressed about my bill'],
  ['suicidal_intent', 'ya no quiero vivir, quiero quitarme la vida', 'no tengo ideas de suicidio, solo estres'],
  ['overdose_poisoning', 'i think i overdosed on my pills', 'no overdose, just asking about dose timing'],
  ['overdose_poisoning', 'creo que tengo una sobredosis', 'sin sobredosis, pregunta de horario'],
  ['child_ingestion', 'my 2 year old swallowed some of my blood pressure pills', 'my 2 year old needs a refill of his allergy medicine'],
  ['child_ingestion', 'mi hijo de 3 años se tragó unas pastillas', 'mi hijo de 3 años necesita su receta de pastillas'],
  ['severe_bleeding', 'cut my hand and the bleeding wont stop', 'cut my hand, no bleeding now, want a tetanus shot'],
  ['severe_bleeding', 'tengo un sangrado que no para', 'no tengo sangrado, solo moretones'],
  ['fainting_or_confusion', 'my husband passed out in the kitchen', 'never passed out, just a little lightheaded sometimes'],
  ['fainting_or_confusion', 'mi abuela se desmayó', 'no se desmayo, solo esta cansada'],
  ['seizure', 'my son is having a seizure', 'no seizure since last year, need refill of keppra'],
  ['seizure', 'mi hija está convulsionando', 'sin convulsiones, necesito la receta'],
  ['pregnancy_danger', 'i am 30 weeks pregnant and bleeding heavily', 'i am 30 weeks pregnant, no bleeding, question about my glucose test'],
  ['pregnancy_danger', 'estoy embarazada de 30 semanas y tengo sangrado fuerte', 'estoy embarazada de 30 semanas, sin sangrado, pregunta de vitaminas'],
  ['low_blood_sugar', 'my sugar is 45 and i am sweaty and confused', 'my sugar was 110, not sweaty or confused'],
  ['low_blood_sugar', 'el azúcar está en 40 y estoy sudando y confundido', 'el azucar en 110, sin sudor'],
  ['high_blood_sugar', 'blood sugar 550 and i keep vomiting', 'blood sugar 120 no vomiting'],
  ['high_blood_sugar', 'la glucosa en 500 y estoy vomitando', 'glucosa en 120 sin vomito'],
  ['sudden_severe_headache', 'worst headache of my life came on suddenly', 'no headache, checking on appointment'],
  ['sudden_severe_headache', 'tengo el peor dolor de cabeza de mi vida', 'sin dolor de cabeza, pregunta de cita'],
  ['infant_fever', 'my 3 week old baby has a fever of 100.6', 'my 3 week old baby has no fever, question about feeding'],
  ['infant_fever', 'mi bebé de 3 semanas tiene fiebre', 'mi bebe de 3 semanas sin fiebre, pregunta de leche'],
  ['unresponsive_child', 'my baby is floppy and wont wake up', 'my baby is not floppy, just fussy'],
  ['unresponsive_child', 'mi bebé está aguadito y no despierta', 'mi bebe no esta aguadito, solo llora'],
];

describe('red flags, each with its negated twin', () => {
  for (const [flag, positive, negated] of CASES) {
    it(`${flag}: "${positive}" is an emergency`, () => {
      const r = triage.triage({ text: positive });
      expect(r.redFlags).toContain(flag);
      expect(r.urgency).toBe('emergency');
      expect(r.needsHuman).toBe(true);
    });
    it(`${flag}: "${negated}" is not`, () => {
      const r = triage.triage({ text: negated });
      expect(r.redFlags).not.toContain(flag);
      expect(r.urgency).not.toBe('emergency');
    });
  }

  it('urgency wins over intent', () => {
    const r = triage.triage({ text: 'can you refill my lisinopril, also having chest pain' });
    expect(r.urgency).toBe('emergency');
  });

  it('false-alarm traps stay routine', () => {
    for (const text of ['my chest xray results?', 'refill for my blood pressure pills', 'no chest pain just a cough']) {
      expect(triage.triage({ text }).urgency).toBe('routine');
    }
  });
});
