/**
 * Opt-out detection for the consent ledger: a keyword that is the whole message (case and
 * punctuation aside), or free text that asks to stop messages. A message that only contains
 * "stop" ("I can't stop coughing", "stop by the office") or asks to cancel an appointment is
 * not an opt-out.
 */
import { foldAccents } from './text.js';

export interface OptOut {
  kind: 'keyword' | 'phrase';
  language: 'en' | 'es';
}

const KEYWORDS: Record<string, 'en' | 'es'> = {
  stop: 'en', stopall: 'en', end: 'en', quit: 'en', cancel: 'en', unsubscribe: 'en', revoke: 'en', optout: 'en',
  parar: 'es', alto: 'es', baja: 'es', detener: 'es', cancelar: 'es',
};

const MESSAGES_EN = '(texts?|text messages?|messages?|msgs?|sms|reminders?|notifications?|alerts?|emails?|calls?|robocalls?|these|this|them|it)';
const EN_PHRASES: RegExp[] = [
  // "stop texting me", "please stop sending me these messages", "quit calling"
  /(?<!\b(dont|do not|never|not|cant|cannot) )\b(stop|quit|cease)( \w+){0,2} (texting|txting|messaging|calling|contacting|emailing|bothering|spamming)\b/,
  new RegExp(`(?<!\\b(dont|do not|never|not) )\\b(stop|quit) sending( me| us)?(( \\w+){0,2} ${MESSAGES_EN}\\b|$)`),
  new RegExp(`(?<!\\b(dont|do not|never|not) )\\bstop( all| the| your| these| those| ur)? ${MESSAGES_EN}\\b`),
  new RegExp(`\\b(dont|do not|please dont|please do not|never) (text|txt|message|msg|call|contact|email|send) (me|us|this number|my (number|phone))\\b( \\w+){0,3}( (anymore|any more|again))?`),
  new RegExp(`\\bno more ${MESSAGES_EN}\\b`),
  /\bunsubscribe\b/,
  /\bopt (me )?out\b|\boptout\b|\bopting out\b/,
  /\b(take|remove|delete|drop|get) (me|my (number|phone( number)?|name|info)|this number)( \w+){0,2} (off|from) (your|the|this|all|ur)( \w+){0,2} (list|lists|texts|messages|system|contacts|database|reminders)\b/,
  /\b(take|remove|delete|get) me off\b/,
  new RegExp(`\\bi (dont|do not|no longer) want( to (receive|get))?( any)?( more| these| your| this)? ${MESSAGES_EN}\\b`),
  new RegExp(`\\b(i want to|i would like to|id like to|please) (stop|quit) (receiving|getting)( \\w+){0,2} ${MESSAGES_EN}?`),
  /\b(revoke|withdraw) (my )?consent\b/,
  /\bleave me alone\b/,
];

const ES_PHRASES: RegExp[] = [
  /(?<!\bno )\b(dejen|deje|dejar|dejan|paren|pare|parar) de (enviar|mandar|llamar|escribir|enviarme|mandarme|llamarme|escribirme|molestar|molestarme)\b/,
  /\b(no|ya no|ya no me|no me) (me )?(envien|manden|escriban|llamen|mande|envie|escriba|llame|enviar|mandar)( \w+){0,2}( (mas|mensajes|textos|recordatorios|correos))/,
  /\b(ya )?no (me )?(envien|manden|escriban|llamen)( mas| nada)?( por favor| porfa| gracias)?$/,
  /\b(ya )?no quiero (recibir|que me (manden|envien))( \w+){0,2} (mensajes|textos|recordatorios|notificaciones|correos|llamadas)\b/,
  /\b(ya )?no quiero (mas )?(mensajes|textos|recordatorios|notificaciones)\b/,
  /\b(quitenme|quiteme|quitarme|quitar mi numero|quiten mi numero|saquenme|sacarme|borrenme|borren mi numero|eliminen mi numero|eliminenme)\b( \w+){0,3} (de (su|la|sus|esta|las) )?(lista|listas|mensajes|sistema|base)?/,
  /\b(dar|darme|denme|deme|den|doy|me doy) de baja\b/,
  /\b(cancelar|cancelen|cancele|cancela) (los |mis |sus |estos |el )?(mensajes|textos|recordatorios|suscripcion|notificaciones)\b/,
  /\b(revocar|retiro|retirar) (mi )?(consentimiento|autorizacion)\b/,
];

// every phrase below needs one of these words; most messages have none
const HINT = /\b(stop|quit|cease|end|dont|do|no|never|unsubscribe|opt|optout|opting|take|remove|delete|drop|get|i|revoke|withdraw|leave|please|dejen|deje|dejar|dejan|paren|pare|parar|ya|quitenme|quiteme|quitarme|quitar|quiten|saquenme|sacarme|borrenme|borren|eliminen|eliminenme|dar|darme|denme|deme|den|doy|me|cancelar|cancelen|cancele|cancela|revocar|retiro|retirar)\b/;

function clean(text: string): string {
  return foldAccents(text.toLowerCase())
    .replace(/[\u2018\u2019']/g, '')
    .replace(/[^a-z0-9\s]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The opt-out a message carries, or null. Pure: the service layer records consent from it. */
export function detectOptOut(text: string): OptOut | null {
  const t = clean(text);
  if (!t) return null;
  const compact = t.replace(/ /g, '');
  // the whole message is one keyword ("STOP", "Stop.", "opt-out", "STOP ALL")
  if (KEYWORDS[compact] && compact.length <= 12 && t.split(' ').length <= 2) return { kind: 'keyword', language: KEYWORDS[compact]! };
  if (!HINT.test(t)) return null;
  for (const re of ES_PHRASES) if (re.test(t)) return { kind: 'phrase', language: 'es' };
  for (const re of EN_PHRASES) if (re.test(t)) return { kind: 'phrase', language: 'en' };
  return null;
}
