import type { Language } from './types.js';

// Function words that are frequent in patient messages and rare in the other language.
const ES = new Set(
  ('de la que el en y los se del las un por con una su para es al lo como mas pero sus le ya o este si porque esta ' +
    'cuando muy sin sobre tambien me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese eso ' +
    'ante ellos e esto mi antes algunos unos yo otro otras otra tanto esa estos mucho quienes nada muchos cual poco ella ' +
    'estar estas algunas algo nosotros tengo tiene necesito quiero puedo puede hola buenos buenas dias tardes gracias ' +
    'cita manana hoy ayer favor usted ustedes mis tu te estoy esta estan soy hijo hija bebe nino nina senor senora doctor ' +
    'doctora llamar llame llamo numero receta medicina pastillas farmacia dolor pecho cabeza seguro factura cobro pago ' +
    'resultados examen analisis semana martes lunes miercoles jueves viernes sabado domingo hora tarde noche ' +
    'confirmo cancelar cambiar reprogramar tomar tomo siento duele tambien aqui ahora solo bien mal vez cuanto cuando').split(' '),
);
const EN = new Set(
  ('the and to of a i in is it you that for my on have be with this are was not but at can do your me we will he she ' +
    'they so if or what need about from please would like get just all an an am been has had there when how know ' +
    'could should thanks thank hi hello call back appointment refill prescription pharmacy doctor results bill ' +
    'insurance today tomorrow week next yes no pain chest breathing son daughter baby wife husband mom dad ' +
    'up out it is im ive dont cant got also still again some any time number calling message').split(' '),
);
// ambiguous in isolation
for (const w of ['no', 'a', 'me', 'doctor', 'hospital', 'si']) {
  ES.delete(w);
  EN.delete(w);
}

/** Picks English or Spanish from function words; English when there is no evidence. */
export function detectLanguage(rawText: string, normalizedWords: string[]): Language {
  let es = 0;
  let en = 0;
  for (const w of normalizedWords) {
    if (ES.has(w)) es += 1;
    if (EN.has(w)) en += 1;
  }
  if (/[ñ¿¡]|[áéíóú]/i.test(rawText)) es += 1.5;
  if (/^\s*(s[ií]|si+|claro|gracias|ok gracias)\s*[.!]*\s*$/i.test(rawText)) return 'es';
  return es > en ? 'es' : 'en';
}
