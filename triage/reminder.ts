import type { Intent } from './types.js';

/**
 * Answers to the hub's appointment reminders, which ask for C (confirm), X (cancel) or
 * R (reschedule) in both languages. Spanish reminders use the same letters; we also take
 * "S"/"SI" as confirm because Spanish speakers answer "sí". "N"/"NO" alone is NOT mapped:
 * it is as often "no, I still need..." as a cancel, so it goes to the classifier and a person.
 * Plain short answers ("yes I'll be there", "sí, confirmo", "can't make it") map the same way.
 * Input is normalised text with punctuation and a trailing "thanks"/"gracias" removed.
 */
const CONFIRM = new RegExp(
  '^(c|s|si|yes|y|ok|okay|confirm|confirmed|confirming|confirmo|confirmado|confirmada|confirmar|confirm please|' +
    'yes confirm|yes confirmed|yes i confirm|c confirm|c confirmo|si confirmo|si confirmado|si confirmada|si claro|claro|' +
    '(yes )?(i will|ill|we will|i am going to|going to) be there|see you (then|there|tomorrow|soon)|yes see you (then|there|tomorrow)|' +
    '(si )?(ahi|alli|alla) (estare|estaremos|nos vemos)|si (voy|vamos|ahi estare|alli estare|ahi estaremos)|' +
    'yes i will|yes we will|yes i am coming|i am coming|si asistire|asistire|confirmo mi cita|confirmo la cita|' +
    'i confirm|confirmed thanks|yes please confirm|sounds good|perfect|perfecto|de acuerdo|esta bien)$',
);
const CANCEL = new RegExp(
  '^(x|cancel|cancelar|cancela|cancelo|cancelada|cancel please|please cancel|cancel it|cancel my appointment|' +
    'cancel appointment|x cancel|x cancelar|i need to cancel|need to cancel|' +
    '(i )?(cannot|can not|will not|wont) (make it|be there|come|go)|no (puedo|podre|podemos|voy a poder) (ir|asistir|llegar)|' +
    'no voy a (ir|poder ir|poder)|cancelo mi cita|cancelar mi cita|cancelar la cita|quiero cancelar|por favor cancelar|favor de cancelar)$',
);
const RESCHEDULE = new RegExp(
  '^(r|reschedule|reprogramar|reprogramo|reagendar|cambiar|cambiar cita|cambiar la cita|cambiar mi cita|change|' +
    'change it|move it|r reschedule|r reprogramar|reschedule please|please reschedule|need to reschedule|i need to reschedule|' +
    'can we reschedule|can i reschedule|quiero reprogramar|quiero cambiar (la|mi) cita|otro dia|otra fecha|different day|another day|' +
    'new time|need a new time|necesito cambiar (la|mi) cita)$',
);

export function reminderAnswer(normalized: string): Intent | null {
  const t = normalized
    .replace(/[.,;!?]/g, ' ')
    .replace(/\b(thanks|thank you|thankyou|gracias|please|por favor|muchas gracias|mil gracias)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!t) return null;
  if (CONFIRM.test(t)) return 'appointment_confirm';
  if (CANCEL.test(t)) return 'appointment_cancel';
  if (RESCHEDULE.test(t)) return 'appointment_reschedule';
  return null;
}
