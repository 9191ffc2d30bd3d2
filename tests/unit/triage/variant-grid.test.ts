/**
 * Variant grids: each emergency concept x inflections x word orders x both languages, each
 * with a negated twin. A regression in a concept, a context rule or a language shows at once.
 * Negated twins must not be emergencies but still go to a person (asymmetric safety).
 */
import { describe, expect, it } from 'vitest';
import { loadDefaultTriage } from '../../../triage/index.js';

const triage = loadDefaultTriage();

interface Grid {
  concept: string;
  /** subjects x symptom phrases, in both orders ("{s} {p}" and "{p}, {s}") */
  en: { subjects: string[]; phrases: string[]; negated: string[] };
  es: { subjects: string[]; phrases: string[]; negated: string[] };
}

const GRIDS: Grid[] = [
  {
    concept: 'chest pain',
    en: { subjects: ['', 'my husband says', 'since an hour ago'], phrases: ['my chest hurts', 'chest is hurting bad', 'pressure on the chest', 'tightness in my chest', 'crushing pains in the chest', 'my heart aches'], negated: ['no chest pain, just a cold', 'my chest does not hurt, only my knee'] },
    es: { subjects: ['', 'mi esposo dice que', 'desde hace una hora'], phrases: ['me duele el pecho', 'le duele mucho el pecho', 'presión en el pecho', 'el pecho apretado', 'dolores fuertes en el pecho', 'me duele el corazón'], negated: ['sin dolor de pecho, solo gripa', 'no me duele el pecho, solo la rodilla'] },
  },
  {
    concept: 'stroke',
    en: { subjects: ['', 'my mom', 'all of a sudden'], phrases: ['face is drooping', 'her face drooped on one side', 'speech is slurred', 'slurring his words', 'cannot lift her arm and her face is crooked', 'sudden weakness on one side'], negated: ['no face drooping or slurred speech, just tired', 'her speech is normal and no weakness'] },
    es: { subjects: ['', 'mi mamá', 'de repente'], phrases: ['tiene la cara caída', 'se le cayó un lado de la cara', 'arrastra las palabras', 'habla enredado', 'no puede levantar el brazo y tiene la boca chueca', 'debilidad de un lado de repente'], negated: ['no tiene la cara caída, solo cansancio', 'habla normal y sin debilidad'] },
  },
  {
    concept: 'breathing',
    en: { subjects: ['', 'my son', 'right now'], phrases: ['cannot breathe', 'can barely breathe', 'struggling to breathe', 'lips are turning blue', 'gasping for air', 'is not breathing'], negated: ['no trouble breathing, just a stuffy nose', 'breathing fine, only a cough'] },
    es: { subjects: ['', 'mi hijo', 'ahorita'], phrases: ['no puede respirar', 'casi no puede respirar', 'le cuesta mucho respirar', 'tiene los labios morados', 'se está ahogando', 'no respira'], negated: ['sin dificultad para respirar, solo mocos', 'respira bien, solo tos'] },
  },
  {
    concept: 'anaphylaxis',
    en: { subjects: ['', 'after peanuts', 'after a bee sting'], phrases: ['my throat is closing', 'throat feels tight and swollen', 'my tongue is swelling', 'tongue swelled up', 'lips swelling and I cannot breathe well', 'hives and my throat is tight'], negated: ['no throat swelling, just an itchy arm', 'tongue is not swollen, only a rash'] },
    es: { subjects: ['', 'después de comer cacahuate', 'por una picadura de abeja'], phrases: ['se me cierra la garganta', 'la garganta apretada e hinchada', 'se me hincha la lengua', 'se le hinchó la lengua', 'se me hinchan los labios y no puedo respirar bien', 'ronchas y la garganta cerrada'], negated: ['sin hinchazón de garganta, solo comezón en el brazo', 'la lengua no está hinchada, solo un sarpullido'] },
  },
  {
    concept: 'self-harm',
    en: { subjects: ['', 'honestly', 'tonight'], phrases: ['I want to die', 'I wish I were dead', 'thinking about killing myself', 'I want to end my life', 'I do not want to live anymore', 'I want to hurt myself'], negated: ['I am not suicidal, just stressed', 'no thoughts of hurting myself'] },
    es: { subjects: ['', 'la verdad', 'esta noche'], phrases: ['me quiero morir', 'quisiera estar muerta', 'pienso en matarme', 'quiero quitarme la vida', 'ya no quiero vivir', 'quiero hacerme daño'], negated: ['no tengo ideas de suicidio, solo estrés', 'no pienso en hacerme daño'] },
  },
  {
    concept: 'bleeding',
    en: { subjects: ['', 'from my leg', 'after the cut'], phrases: ['the bleeding will not stop', 'bleeding a lot', 'blood is spurting', 'blood soaking through the towel', 'he is vomiting blood', 'cannot stop the bleeding'], negated: ['no bleeding at all, just a bruise', 'the bleeding stopped, cut is closed'] },
    es: { subjects: ['', 'de la pierna', 'por la cortada'], phrases: ['no para de sangrar', 'está sangrando mucho', 'la sangre sale a chorros', 'la toalla empapada de sangre', 'está vomitando sangre', 'no puedo parar el sangrado'], negated: ['no sangra, solo un moretón', 'ya no sangra, la cortada cerró'] },
  },
  {
    concept: 'overdose',
    en: { subjects: ['', 'an hour ago', 'please help'], phrases: ['I took 30 of my pills', 'she swallowed a whole bottle of advil', 'I think he overdosed', 'my toddler swallowed a button battery', 'my 2 year old drank bleach', 'took way too many sleeping pills'], negated: ['no overdose, just asking about dose timing', 'only took my normal one pill'] },
    es: { subjects: ['', 'hace una hora', 'ayuda'], phrases: ['me tomé 30 pastillas', 'se tomó un frasco entero de advil', 'creo que tuvo una sobredosis', 'mi niño se tragó una pila de botón', 'mi hijo de 2 años tomó cloro', 'me tomé demasiadas pastillas para dormir'], negated: ['sin sobredosis, pregunta de horario', 'no fue una sobredosis, solo tomé mi pastilla de siempre'] },
  },
  {
    concept: 'seizure',
    en: { subjects: ['', 'my daughter', 'right now'], phrases: ['is having a seizure', 'is seizing', 'had a seizure and will not wake up', 'is convulsing', 'went stiff and is jerking'], negated: ['no seizures since last year, need my refill', 'has not had a seizure in years'] },
    es: { subjects: ['', 'mi hija', 'ahorita'], phrases: ['está convulsionando', 'tiene una convulsión', 'tuvo una convulsión y no despierta', 'le dio un ataque epiléptico'], negated: ['sin convulsiones desde el año pasado, necesito la receta', 'no ha tenido convulsiones en años'] },
  },
  {
    concept: 'obstetric',
    en: { subjects: ['', 'I am 32 weeks pregnant and', 'pregnant,'], phrases: ['bleeding heavily', 'the baby has not moved since yesterday', 'terrible headache with blurry vision', 'my water broke'], negated: ['pregnant, no bleeding, question about vitamins', 'pregnant and the baby is moving normally, no headache'] },
    es: { subjects: ['', 'tengo 32 semanas de embarazo y', 'embarazada,'], phrases: ['estoy sangrando mucho', 'el bebé no se ha movido desde ayer', 'dolor de cabeza horrible con vista borrosa', 'se me rompió la fuente'], negated: ['embarazada, sin sangrado, pregunta de vitaminas', 'embarazada y el bebé se mueve normal, sin dolor de cabeza'] },
  },
  {
    concept: 'passive wish to be dead (C-SSRS 1)',
    en: { subjects: ['', 'honestly', 'lately'], phrases: ['everyone would be better off if I was gone', 'I wish I could go to sleep forever', 'there is no reason for me to be alive', 'I keep wishing a car would hit me', 'I keep thinking about dying', 'life is not worth living'], negated: ['I do not want to die, I want help with my sleep', 'no thoughts of dying, just sad about my dog'] },
    es: { subjects: ['', 'la verdad', 'últimamente'], phrases: ['todos estarían mejor si yo no estuviera', 'sería mejor no despertar', 'no veo razón para seguir viviendo', 'ojalá me atropellara un carro', 'pienso mucho en morirme', 'ya no quiero seguir aquí'], negated: ['no quiero morirme, quiero ayuda para dormir', 'no pienso en morirme, solo estoy triste'] },
  },
  {
    concept: 'self-harm method, plan and injury (C-SSRS 3-6)',
    en: { subjects: ['', 'tonight', 'please'], phrases: ['I have my dads gun and I keep thinking about using it on myself', 'I am standing on the bridge', 'I have a plan and I picked the day', 'I have been cutting my arms and cannot stop', 'my husband said he is going to shoot himself', 'I looked up how many pills it takes to die'], negated: ['I am not going to hurt myself, I promise, just need to talk', 'I have never cut myself'] },
    es: { subjects: ['', 'esta noche', 'por favor'], phrases: ['tengo la pistola de mi esposo y pienso usarla contra mí', 'estoy en el puente y quiero saltar', 'me he estado cortando los brazos', 'mi esposo dijo que se va a dar un tiro', 'busqué cuántas pastillas se necesitan para morir', 'me quiero hacer daño'], negated: ['no me voy a hacer daño, solo quiero hablar', 'nunca me he cortado'] },
  },
  {
    concept: 'farewell, preparation and research (C-SSRS intent and preparatory behaviour)',
    en: { subjects: ['', 'hi its me', 'sorry'], phrases: ['thank you for trying but I do not think I can keep going, I am sorry', 'I have been stockpiling my pills', 'I keep googling ways to die', 'there is a rope in my garage and I have been looking at it', 'my brother texted goodbye to everyone and will not answer his phone', 'I would be ok if I did not wake up tomorrow'], negated: ['I have never thought about ways to die, just want a sleep aid', 'no plan and no goodbye notes, I am safe, just need my refill'] },
    es: { subjects: ['', 'hola soy yo', 'perdón'], phrases: ['gracias por todo pero ya no puedo seguir, perdón', 'he estado juntando mis pastillas', 'busco en internet formas de morir', 'hay una cuerda en la cochera y la he estado viendo', 'mi hermano mandó mensajes de despedida y no contesta', 'estaría bien si ya no despertara mañana'], negated: ['nunca he pensado en formas de morir, solo quiero algo para dormir', 'no tengo ningún plan ni carta de despedida, estoy a salvo, solo necesito mi receta'] },
  },
  {
    concept: 'poisoning with household products and medication errors',
    en: { subjects: ['', 'help', 'just now'], phrases: ['my toddler drank some dish soap', 'my kid bit a dishwasher pod', 'my son swallowed two magnets', 'she took the whole box of tylenol', 'grandma took her heart pills twice and her pulse is slow', 'my daughter drank the toilet cleaner'], negated: ['my son did not swallow anything, the battery was on the floor', 'she did not drink any of the bleach, the cap was on'] },
    es: { subjects: ['', 'ayuda', 'ahorita'], phrases: ['mi niño se tomó jabón de trastes', 'mi hijo mordió una cápsula de detergente', 'mi hijo se tragó dos imanes', 'me tomé toda la caja de paracetamol', 'mi abuela se tomó las pastillas del corazón dos veces y tiene el pulso lento', 'la niña se tomó un líquido de limpiar del baño'], negated: ['mi hijo no se tragó nada, la pila estaba en el piso', 'no se tomó nada del cloro, la tapa estaba puesta'] },
  },
  {
    concept: 'infant fever',
    en: { subjects: ['my 5 week old', 'my 2 month old baby', 'my newborn'], phrases: ['has a fever', 'has a temperature of 100.8', 'feels hot with a fever of 38.3'], negated: ['has no fever, question about feeding'] },
    es: { subjects: ['mi bebé de 5 semanas', 'mi bebé de 2 meses', 'mi recién nacido'], phrases: ['tiene fiebre', 'tiene 38.3 de temperatura', 'está caliente con calentura'], negated: ['no tiene fiebre, pregunta de la leche'] },
  },
  // round 5 (dev-r10)
  {
    concept: 'deep or extensive burn',
    en: { subjects: ['', 'my son', 'after the kitchen fire'], phrases: ['burned his whole arm and the skin is white', 'a burn on her chest with the skin peeling off', 'scalded his entire leg with boiling water', 'burnt my hand and the skin looks charred'], negated: ['small burn on my finger, no blisters, skin looks normal', 'no burns, just a sore throat from the smoke'] },
    es: { subjects: ['', 'mi hijo', 'después del incendio'], phrases: ['se quemó todo el brazo y la piel está blanca', 'tiene una quemadura en el pecho y se le despega la piel', 'se quemó toda la pierna con agua hirviendo', 'me quemé la mano y la piel se ve negra'], negated: ['una quemadura chiquita en el dedo, sin ampollas, la piel normal', 'no se quemó, solo le arde la garganta por el humo'] },
  },
  {
    concept: 'asthma reliever not helping',
    en: { subjects: ['', 'my daughter', 'tonight'], phrases: ['had an asthma attack and the albuterol made no difference', 'asthma flare, used her inhaler 5 times and still wheezing', 'asthma attack and the nebulizer gave no improvement'], negated: ['no asthma attack and no wheezing, the inhaler works, question about the spacer'] },
    es: { subjects: ['', 'mi hija', 'esta noche'], phrases: ['ataque de asma y el salbutamol no le ayuda', 'crisis de asma, usó la bomba 5 veces y sigue igual', 'tiene asma y la nebulización no le hizo nada'], negated: ['sin ataque de asma ni silbido, el inhalador funciona, pregunta del espaciador'] },
  },
  {
    concept: 'infant without wet diapers',
    en: { subjects: ['my 6 week old', 'my 2 month old baby'], phrases: ['has gone 10 hours without a wet diaper and will not feed', 'has had no wet diaper since morning and is floppy'], negated: ['has plenty of wet diapers and is feeding well, no fever, question about sleep'] },
    es: { subjects: ['mi bebé de 6 semanas', 'mi bebé de 2 meses'], phrases: ['lleva 10 horas sin pañal mojado y no quiere comer', 'sin orinar desde la mañana y está muy aguado'], negated: ['moja bien los pañales y come bien, sin fiebre, pregunta del sueño'] },
  },
  {
    concept: 'burden (C-SSRS wish to be dead)',
    en: { subjects: ['', 'honestly', 'lately'], phrases: ['everyone would be happier if I were dead', 'my family would be better off if I was gone'], negated: ['I am not thinking of dying, I just feel tired lately'] },
    es: { subjects: ['', 'la verdad', 'últimamente'], phrases: ['todos estarían más tranquilos si yo me muriera', 'mi familia estaría mejor si yo estuviera muerto'], negated: ['no pienso en morirme, solo ando cansado'] },
  },
  {
    concept: 'breathing problems with hives',
    en: { subjects: ['', 'after the shrimp', 'my wife'], phrases: ['hives all over and now breathing problems', 'has hives and breathing problems'], negated: ['hives on my legs, no breathing problems'] },
    es: { subjects: ['', 'después del camarón', 'mi esposa'], phrases: ['ronchas por todo el cuerpo y ahora problemas para respirar', 'tiene ronchas y problemas para respirar'], negated: ['ronchas en las piernas, sin problemas para respirar'] },
  },
];

function variants(subjects: string[], phrases: string[]): string[] {
  const out: string[] = [];
  for (const s of subjects) {
    for (const p of phrases) {
      out.push(s ? `${s} ${p}` : p);
      // the other word order, SMS style without accents or punctuation
      if (s) out.push(`${p}, ${s}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/,/g, '').toLowerCase());
    }
  }
  return [...new Set(out)];
}

describe('variant grids: every emergency concept in both languages', () => {
  for (const g of GRIDS) {
    for (const lang of ['en', 'es'] as const) {
      const side = g[lang];
      for (const text of variants(side.subjects, side.phrases)) {
        it(`${g.concept} [${lang}] "${text}" is an emergency that needs a person`, () => {
          const r = triage.triage({ text });
          expect(r.urgency).toBe('emergency');
          expect(r.needsHuman).toBe(true);
        });
      }
      for (const text of side.negated) {
        it(`${g.concept} [${lang}] negated twin "${text}" is not an emergency but still needs a person`, () => {
          const r = triage.triage({ text });
          expect(r.urgency).not.toBe('emergency');
          expect(r.needsHuman).toBe(true);
        });
      }
    }
  }
});

/** Urgent discriminators of round 2: urgent or worse, and read by a person; their negated twins are not raised. */
const URGENT: { concept: string; texts: string[]; negated: string[] }[] = [
  { concept: 'relapse and sleepless distress', texts: ['I relapsed and started drinking again', 'my anxiety is out of control and I have not slept in 3 days', 'volví a beber y necesito ayuda', 'estoy escuchando voces que me dicen cosas', 'llevo 3 días sin dormir por la ansiedad'], negated: [] },
  { concept: 'critical medicine gone', texts: ['pharmacy will not fill my insulin and I have none left', 'I ran out of my seizure medication', 'la farmacia no me surte la insulina y ya no tengo', 'no me he tomado las medicinas del trasplante en 3 días'], negated: ['I have plenty of insulin left, just a question about the pen', 'tengo suficiente insulina, solo una pregunta'] },
  { concept: 'bleeding in pregnancy', texts: ['I am 20 weeks pregnant and have some spotting', 'tengo 20 semanas de embarazo y estoy manchando'], negated: ['20 weeks pregnant, no spotting, question about vitamins', 'tengo 20 semanas de embarazo, sin manchado, pregunta de vitaminas'] },
  { concept: 'cough with fever for days', texts: ['cough and fever for a week now', 'tos con flema verde y fiebre desde hace una semana'], negated: [] },
  // round 5 (dev-r10)
  { concept: 'urinary infection named by name', texts: ['I think I have a UTI and I am running a fever', 'bladder infection and my side hurts with chills', 'tengo infección de orina y calentura', 'creo que tengo infección urinaria y estoy embarazada de 20 semanas'], negated: ['no UTI symptoms, just want my urine test results', 'sin síntomas de infección de orina, solo quiero mis resultados'] },
  { concept: 'critical medicine missed or stopped at once', texts: ['no me tomé la insulina ayer ni hoy', 'dejé de tomar las pastillas de las convulsiones de golpe', 'stopped my seizure meds cold turkey'], negated: ['I take my seizure meds every day, question about the generic', 'tomo mis pastillas de las convulsiones diario, pregunta del genérico'] },
];

describe('urgent grids: discriminators of issue 13 round 2', () => {
  for (const g of URGENT) {
    for (const text of g.texts) {
      it(`${g.concept}: "${text}" is urgent or worse and needs a person`, () => {
        const r = triage.triage({ text });
        expect(r.urgency).not.toBe('routine');
        expect(r.needsHuman).toBe(true);
      });
    }
    for (const text of g.negated) {
      it(`${g.concept}: negated twin "${text}" is not raised`, () => {
        expect(triage.triage({ text }).urgency).toBe('routine');
      });
    }
  }
});

/** Round 5: look-alikes that name an emergency without one, each with a twin that is one. */
const LOOKALIKES: { concept: string; lookalikes: string[]; emergencies: string[] }[] = [
  { concept: 'a symptom named as what a bill was for', lookalikes: ['got a bill for my chest pain visit, is it covered', 'me cobraron la consulta por el dolor de pecho, ¿lo cubre el seguro?'], emergencies: ['got a bill for my visit and now my chest pain is back and crushing', 'me llegó la cuenta y ahora me volvió el dolor de pecho muy fuerte y sudo frío'] },
  { concept: 'a question whether one can overdose', lookalikes: ['can you overdose on vitamin d?', '¿se puede uno pasar de vitamina d?'], emergencies: ['I think I overdosed on my pills', 'creo que me pasé de pastillas, me tomé 30'] },
  { concept: "someone else's past event told to ask a check for oneself", lookalikes: ['my coworker had a heart attack, I want to get my cholesterol checked', 'a mi vecino le dio un infarto, quiero checar mi presión'], emergencies: ['my coworker had a heart attack and now I have chest pain too'] },
  { concept: 'seizure medicine is not a seizure', lookalikes: ['tomo mis pastillas de las convulsiones diario, pregunta del genérico'], emergencies: ['mi hijo está convulsionando y no toma su medicina de las convulsiones'] },
];

describe('look-alikes of round 5 and their emergency twins', () => {
  for (const g of LOOKALIKES) {
    for (const text of g.lookalikes) {
      it(`${g.concept}: "${text}" is not an emergency`, () => {
        expect(triage.triage({ text }).urgency).not.toBe('emergency');
      });
    }
    for (const text of g.emergencies) {
      it(`${g.concept}: twin "${text}" is an emergency that needs a person`, () => {
        const r = triage.triage({ text });
        expect(r.urgency).toBe('emergency');
        expect(r.needsHuman).toBe(true);
      });
    }
  }
});
