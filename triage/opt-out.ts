// Opt-out detection: does a patient's message ask us to stop messaging them?
//
// The FCC's 2024 rule (47 CFR 64.1200(a)(10)) lets a consumer revoke consent "by any reasonable
// means", and names the words STOP, QUIT, END, REVOKE, OPT OUT, CANCEL and UNSUBSCRIBE sent
// alone as revocations per se; free text that asks to stop ("please stop texting me", "no me
// manden más mensajes") counts too. So a message is an opt-out when
// - `keyword`: the whole message is an opt-out word (with politeness and punctuation around
//   it): the English words above plus STOPALL, and the Spanish PARAR, ALTO, BAJA, DETENER,
//   CANCELAR and "dar de baja";
// - `phrase`: a sentence asks to stop texts, messages, calls or emails to the sender, or to be
//   taken off a list.
// A word that merely occurs ("I can't stop coughing", "stop by the office", "cancel my
// appointment", "azúcar baja") is not one: the words only count alone, and the phrases need
// a messaging verb or object aimed at the sender.
//
// Pure: no I/O; callers decide what a revocation covers (the channel it came in on, every
// number of the practice).

export interface OptOut {
  kind: 'keyword' | 'phrase';
  language: 'en' | 'es';
}

/** Lowercase, accents off, punctuation to spaces, one space between words. */
function fold(text: string): string {
  // most messages are plain ASCII: the same result without Unicode normalisation
  if (!/[^\x00-\x7f]/.test(text)) {
    return text
      .toLowerCase()
      .replace(/`/g, "'")
      .replace(/[^a-z0-9' ]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const KEYWORDS: Record<string, 'en' | 'es'> = {
  stop: 'en',
  stopall: 'en',
  'stop all': 'en',
  end: 'en',
  quit: 'en',
  cancel: 'en',
  unsubscribe: 'en',
  unsub: 'en',
  revoke: 'en',
  optout: 'en',
  'opt out': 'en',
  'stop texting': 'en',
  'stop messages': 'en',
  'stop texts': 'en',
  'no more texts': 'en',
  'no more messages': 'en',
  parar: 'es',
  pare: 'es',
  paren: 'es',
  alto: 'es',
  baja: 'es',
  detener: 'es',
  detengan: 'es',
  cancelar: 'es',
  'dar de baja': 'es',
  'darme de baja': 'es',
  'de baja': 'es',
  'no mas mensajes': 'es',
  'no mas textos': 'es',
};

// words that may stand around a keyword without making it a sentence ("STOP please", "BAJA por favor")
const POLITE = /^(?:(?:please|pls|plz|now|thanks|thank you|thx|ok|okay|por favor|porfavor|favor|gracias|ya|ahora|just)\s+)*(.+?)(?:\s+(?:please|pls|plz|now|thanks|thank you|thx|por favor|porfavor|favor|gracias|ya|ahora))*$/;

function keyword(folded: string): 'en' | 'es' | null {
  if (folded === '' || folded.length > 40) return null;
  // "stop stop stop", "STOP!!!" (punctuation is gone by now)
  const words = folded.replace(/'/g, '').split(' ');
  if (words.length > 1 && words.every((w) => w === words[0]) && KEYWORDS[words[0]!]) return KEYWORDS[words[0]!]!;
  const core = POLITE.exec(words.join(' '))?.[1] ?? folded;
  return KEYWORDS[core] ?? KEYWORDS[folded] ?? null;
}

// ---- phrases --------------------------------------------------------------------------

const ME = "(?:me|us|this number|my number|my phone|my cell)";
const MSG = '(?:texts?|text messages?|messages?|msgs?|sms|reminders?|notifications?|alerts?|emails?|e-mails?|calls?|robocalls?|automated (?:texts|messages|calls)|spam)';
const THESE = '(?:these|this|those|the|your|any|any more|anymore|all|all these|all the|more|further)';
const SEND = '(?:texting|messaging|sending|emailing|e-mailing|calling|contacting|spamming|bothering|harassing|txting|texing)';

const EN: RegExp[] = [
  // "stop texting me", "quit calling me", "please stop sending me these messages", "stop sending reminders"
  new RegExp(`\\b(?:stop|quit|cease)\\s+${SEND}\\s+${ME}\\b`),
  new RegExp(`\\b(?:stop|quit|cease)\\s+${SEND}\\s+(?:${ME}\\s+)?(?:${THESE}\\s+)?(?:\\w+\\s+)?${MSG}\\b`),
  // the verbs that are messaging by themselves: "stop texting", "quit messaging"
  /\b(?:stop|quit|cease)\s+(?:texting|messaging|txting|texing|spamming)\b/,
  // "stop sending", "stop calling" ending the message
  /\bstop (?:sending|calling|emailing|contacting)\s*$/,
  // "stop the texts", "stop these messages", "stop all reminders", "cancel the reminders"
  new RegExp(`\\b(?:stop|cancel|quit)\\s+${THESE}\\s+(?:\\w+\\s+)?${MSG}\\b`),
  // "don't text me", "do not contact me again", "never call me"
  new RegExp(`\\b(?:dont|don't|do not|never)\\s+(?:ever\\s+)?(?:text|txt|message|msg|contact|email|e-mail|call|sms)\\s+${ME}\\b`),
  // "no more texts", "no more reminders please"
  new RegExp(`\\bno (?:more|further)\\s+(?:\\w+\\s+)?${MSG}\\b`),
  // "take me off your list", "remove me from your texting list", "remove my number"
  /\b(?:take|remove|delete|drop|get)\s+(?:me|my (?:number|phone|name|cell|email))\s+(?:off|from|out of)\s+(?:\w+\s+){0,3}(?:lists?|texts?|messages?|system|database|contacts?|reminders?)\b/,
  /\b(?:remove|delete|erase)\s+my (?:number|phone number|cell number|cell|email)\b/,
  // "unsubscribe me", "opt me out", "I want to opt out"
  /\bunsubscribe\b/,
  /\bopt(?:\s+me)?\s*out\b/,
  // "I don't want (to get) these texts", "I do not wish to receive messages"
  new RegExp(`\\bi (?:dont|don't|do not) (?:want|wish|need)(?: to (?:receive|get|be sent))?\\s+(?:${THESE}\\s+)?(?:\\w+\\s+)?${MSG}(?: anymore| any more)?\\b`),
  // "I want to stop receiving texts", "I'd like to stop getting these messages"
  new RegExp(`\\b(?:stop|quit|cease) (?:receiving|getting)\\s+(?:${THESE}\\s+)?(?:\\w+\\s+)?${MSG}\\b`),
  // "wrong number, stop"
  /\bwrong (?:number|person)\b.*\bstop\b|\bstop\b.*\bwrong (?:number|person)\b/,
];

const ES_MSG = '(?:mensajes?|msjs?|textos?|sms|recordatorios?|notificaciones?|correos?|emails?|llamadas?|alertas?)';
const ES: RegExp[] = [
  // "no me manden más mensajes", "no me envíen textos", "no me escriban", "no me llamen"
  // (a thing named instead of messages is not an opt-out: "no me manden la factura")
  new RegExp(`\\bno (?:me |nos )?(?:manden|mande|envien|envie|mandes|envies|escriban|escriba|llamen|llame|contacten|contacte)(?:(?: mas)? ${ES_MSG}\\b|(?: mas| nada)*(?: (?:por favor|porfa|gracias))*$)`),
  // "dejen de mandarme mensajes", "deje de escribirme", "paren de enviar"
  new RegExp(`\\b(?:dejen|deje|dejar|paren|pare|parar|dejes) de (?:mandar|enviar|escribir|llamar|contactar|molestar|textear)(?:me|nos)?\\b`),
  // "ya no quiero recibir mensajes", "no quiero más textos", "ya no me manden"
  new RegExp(`\\b(?:ya )?no (?:quiero|deseo|necesito)(?: recibir| que me (?:manden|envien))?(?: mas)?(?: (?:sus|los|estos|esos|mas))? ${ES_MSG}\\b`),
  new RegExp(`\\bya no (?:me )?(?:manden|envien|escriban|llamen)\\b`),
  // "no más mensajes"
  new RegExp(`\\bno mas ${ES_MSG}\\b`),
  // "denme de baja", "darme de baja", "quiero darme de baja"
  /\b(?:denme|darme|dar|deme|den|dame|me doy|me quiero dar) de baja\b/,
  // "quiten mi número", "sáquenme de la lista", "bórrenme de su lista"
  /\b(?:quiten|quitar|quite|borren|borrar|borre|eliminen|eliminar|elimine|saquen|sacar|saque) (?:mi numero|mi telefono|mi celular|mi correo)\b/,
  /\b(?:quitenme|quiteme|sacarme|saquenme|saqueme|borrenme|borreme|eliminenme|quitarme|borrarme|eliminarme) de (?:\w+ ){0,2}(?:lista|listas|sistema|mensajes|contactos)\b/,
  // "parar los mensajes", "detener los mensajes", "cancelar los mensajes"
  new RegExp(`\\b(?:parar|detener|cancelar|paren|detengan|cancelen|suspender|suspendan) (?:los |estos |sus |esos |todos los )?${ES_MSG}\\b`),
  // "número equivocado, basta" (a wrong number asking us to stop)
  /\bnumero equivocado\b.*\b(?:basta|parar|alto|baja|dejen)\b/,
];

// "please don't stop sending reminders", "no dejen de mandarme recordatorios": the opposite
const NEGATED = /\b(?:dont|don't|do not|never|not) (?:stop|quit|end|cancel)\b|\bno (?:dejen|deje) de\b/;

// A leading bare keyword as its own sentence ("STOP. Wrong number") is one too.
const LEADING = /^\s*(stop|stopall|unsubscribe|optout|opt out|parar|baja|detener)\s*[.!]+(?:\s|$)/i;

function phrase(folded: string): 'en' | 'es' | null {
  if (NEGATED.test(folded)) return null;
  if (ES.some((r) => r.test(folded))) return 'es';
  if (EN.some((r) => r.test(folded))) return 'en';
  return null;
}

/**
 * Whether a message asks to stop messages, and how: the whole message is an opt-out word
 * (`keyword`), or it asks in words (`phrase`); null when it does not.
 */
export function detectOptOut(text: string): { kind: 'keyword' | 'phrase'; language: 'en' | 'es' } | null {
  if (typeof text !== 'string') return null;
  const folded = fold(text);
  if (folded === '') return null;
  const kw = keyword(folded);
  if (kw) return { kind: 'keyword', language: kw };
  const lead = LEADING.exec(text.normalize('NFD').replace(/\p{M}/gu, ''));
  if (lead) {
    const word = lead[1]!.toLowerCase().replace(/\s+/g, ' ');
    return { kind: 'phrase', language: KEYWORDS[word] === 'es' ? 'es' : 'en' };
  }
  const p = phrase(folded);
  return p ? { kind: 'phrase', language: p } : null;
}
