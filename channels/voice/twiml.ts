import twilio from '../twilio-parts';
import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { Language } from '../../triage/types';

export type VoiceLanguage = Language;

/** What the caller asked for in the menu; goes into the voicemail's meta for triage. */
export const menuChoices = ['appointments', 'refills', 'billing', 'other', 'urgent', 'person'] as const;
export type MenuChoice = (typeof menuChoices)[number];

/** Absolute public URLs (PUBLIC_BASE_URL + the paths of DESIGN.md). */
export interface VoiceUrls {
  /** `/webhooks/twilio/voice/menu`: Gather and Dial answers */
  menu: string;
  /** `/webhooks/twilio/voice/recording`: Record action (event=action) and status callback (event=status) */
  recording: string;
  /** `/webhooks/twilio/voice/transcription`: Twilio's built-in transcription callback */
  transcription: string;
}

export interface VoicePracticeSettings {
  practiceName: string;
  /** whether the practice is open now (the caller works it out from its hours and zone) */
  inHours: boolean;
  /** the practice's own after-hours text, in the call's language; a default is used otherwise */
  afterHoursMessage?: string | null;
  /**
   * The after-hours text per language. When given, each language reads its own (a caller who
   * presses 9 hears the Spanish text, never the English one in a Spanish voice).
   */
  afterHoursMessages?: Partial<Record<VoiceLanguage, string | null>>;
  /** staff phones rung together when a caller asks for a person in hours; none: the option is not offered */
  ringGroup?: { numbers: string[]; timeoutSeconds: number } | null;
  /** E.164 number of the on-call provider; only offered after hours, only when set */
  onCallNumber?: string | null;
  urls: VoiceUrls;
}

/*
 * Amazon Polly voices through Twilio: natural speech, one per language. es-US (US Spanish)
 * rather than es-MX/es-ES for a US practice's patients; speech recognition uses the same
 * locale so "cita" and "receta" are heard.
 */
const SPEECH: Record<VoiceLanguage, { voice: NonNullable<VoiceResponse.SayAttributes['voice']>; language: NonNullable<VoiceResponse.SayAttributes['language']>; gather: NonNullable<VoiceResponse.GatherAttributes['language']> }> = {
  en: { voice: 'Polly.Joanna', language: 'en-US', gather: 'en-US' },
  es: { voice: 'Polly.Lupe', language: 'es-US', gather: 'es-US' },
};

const TEXT = {
  en: {
    emergency: 'If this is a medical emergency, hang up and dial 9 1 1.',
    welcome: (practice: string) => `Thank you for calling ${practice}.`,
    menu:
      'For appointments, press 1 or say appointment. For prescription refills, press 2 or say refill. ' +
      'For billing, press 3 or say billing. For anything else, or to leave a message, press 4.',
    switchLanguage: 'Para español, oprima 9.',
    closed: (practice: string) => `Thank you for calling ${practice}. Our office is closed right now.`,
    onCallOffer:
      'If your concern is urgent and cannot wait until we open, press 1 or say urgent to reach the provider on call.',
    leaveMessageAfterHours: 'Otherwise, please leave a message after the tone and we will call you back when we open.',
    connecting: 'Connecting you to the provider on call. Please hold.',
    onCallUnreachable: 'We could not reach the provider on call.',
    personOffer: 'To speak with someone, press 0.',
    connectingPerson: 'Please hold while we connect you.',
    personUnreachable: 'Sorry, no one is available to take your call right now.',
    voicemail: {
      appointments: 'Please leave your name, date of birth, and the appointment you need after the tone.',
      refills: 'Please leave your name, date of birth, the medication, and your pharmacy after the tone.',
      billing: 'Please leave your name, date of birth, and your billing question after the tone.',
      other: 'Please leave your name, date of birth, and a brief message after the tone.',
      urgent: 'Please leave your name, date of birth, and a brief message after the tone. We will call you back as soon as possible.',
      person: 'Please leave your name, date of birth, and a brief message after the tone, and we will call you back.',
    } satisfies Record<MenuChoice, string>,
    finishHint: 'Press the pound key when you are done.',
    noMessage: 'We did not receive a message. Goodbye.',
    thanks: 'Thank you. We have your message and will call you back. Goodbye.',
  },
  es: {
    emergency: 'Si se trata de una emergencia médica, cuelgue y marque el 9 1 1.',
    welcome: (practice: string) => `Gracias por llamar a ${practice}.`,
    menu:
      'Para citas, oprima 1 o diga cita. Para resurtir recetas, oprima 2 o diga receta. ' +
      'Para facturación, oprima 3 o diga factura. Para cualquier otro asunto, o para dejar un mensaje, oprima 4.',
    switchLanguage: 'For English, press 9.',
    closed: (practice: string) => `Gracias por llamar a ${practice}. Nuestra oficina está cerrada en este momento.`,
    onCallOffer:
      'Si su asunto es urgente y no puede esperar a que abramos, oprima 1 o diga urgente para comunicarse con el médico de guardia.',
    leaveMessageAfterHours: 'De lo contrario, deje un mensaje después del tono y le llamaremos cuando abramos.',
    connecting: 'Le comunicamos con el médico de guardia. Por favor espere.',
    onCallUnreachable: 'No pudimos comunicarnos con el médico de guardia.',
    personOffer: 'Para hablar con alguien, oprima 0.',
    connectingPerson: 'Por favor espere mientras le comunicamos.',
    personUnreachable: 'Lo sentimos, en este momento no hay nadie disponible para atender su llamada.',
    voicemail: {
      appointments: 'Después del tono, deje su nombre, su fecha de nacimiento y la cita que necesita.',
      refills: 'Después del tono, deje su nombre, su fecha de nacimiento, el medicamento y su farmacia.',
      billing: 'Después del tono, deje su nombre, su fecha de nacimiento y su pregunta sobre facturación.',
      other: 'Después del tono, deje su nombre, su fecha de nacimiento y un breve mensaje.',
      urgent: 'Después del tono, deje su nombre, su fecha de nacimiento y un breve mensaje. Le llamaremos lo antes posible.',
      person: 'Después del tono, deje su nombre, su fecha de nacimiento y un breve mensaje, y le llamaremos.',
    } satisfies Record<MenuChoice, string>,
    finishHint: 'Oprima la tecla numeral cuando termine.',
    noMessage: 'No recibimos ningún mensaje. Adiós.',
    thanks: 'Gracias. Recibimos su mensaje y le llamaremos. Adiós.',
  },
} as const;

const other = (language: VoiceLanguage): VoiceLanguage => (language === 'en' ? 'es' : 'en');

/**
 * Adds query parameters to a callback URL. Twilio signs the URL it calls, query included,
 * so the handler verifies against the query string exactly as received.
 */
export function withQuery(url: string, query: Record<string, string>): string {
  const u = new URL(url);
  for (const [key, value] of Object.entries(query)) u.searchParams.set(key, value);
  return u.toString();
}

/** Reads back what the TwiML put into a callback URL (`lang`, `choice`, `event`). */
export function readVoiceQuery(search: string | URLSearchParams): {
  language: VoiceLanguage;
  choice: MenuChoice | null;
  event: 'action' | 'status' | 'dial' | null;
} {
  const q = typeof search === 'string' ? new URLSearchParams(search) : search;
  const lang = q.get('lang');
  const choice = q.get('choice');
  const event = q.get('event');
  return {
    language: lang === 'es' ? 'es' : 'en',
    choice: (menuChoices as readonly string[]).includes(choice ?? '') ? (choice as MenuChoice) : null,
    event: event === 'action' || event === 'status' || event === 'dial' ? event : null,
  };
}

function say(node: { say(attributes: VoiceResponse.SayAttributes, message: string): unknown }, language: VoiceLanguage, text: string) {
  node.say({ voice: SPEECH[language].voice, language: SPEECH[language].language }, text);
}

/** The voicemail step: prompt, `<Record>`, and what plays when nothing was recorded. */
function appendVoicemail(response: VoiceResponse, language: VoiceLanguage, choice: MenuChoice, urls: VoiceUrls, lead?: string) {
  const query = { lang: language, choice };
  if (lead) say(response, language, lead);
  say(response, language, `${TEXT[language].voicemail[choice]} ${TEXT[language].finishHint}`);
  response.record({
    maxLength: 120,
    timeout: 5,
    finishOnKey: '#',
    playBeep: true,
    // without an action Twilio re-requests the current document and the caller hears the menu again
    action: withQuery(urls.recording, { ...query, event: 'action' }),
    recordingStatusCallback: withQuery(urls.recording, { ...query, event: 'status' }),
    recordingStatusCallbackEvent: ['completed', 'absent'],
    // Twilio's built-in transcription is English only (and 2 to 120 s); Spanish voicemails go
    // to the TranscriptionProvider from the recording callback instead
    ...(language === 'en' ? { transcribe: true, transcribeCallback: withQuery(urls.transcription, query) } : {}),
  });
  // reached only when the recording is empty: Twilio then skips the action and carries on here
  say(response, language, TEXT[language].noMessage);
  response.hangup();
}

/** `POST /webhooks/twilio/voice`: emergency line first, then the menu (in hours) or the after-hours message. */
export function incomingCallTwiml(input: VoicePracticeSettings & { language: VoiceLanguage }): string {
  const { language, urls } = input;
  const t = TEXT[language];
  const response = new twilio.twiml.VoiceResponse();
  say(response, language, t.emergency);

  const offerOnCall = !input.inHours && !!input.onCallNumber;
  const gather = response.gather({
    input: ['dtmf', 'speech'],
    numDigits: 1,
    timeout: 5,
    speechTimeout: 'auto',
    language: SPEECH[language].gather,
    hints: language === 'en' ? 'appointment, refill, prescription, billing, urgent, Spanish' : 'cita, receta, factura, urgente, inglés',
    action: withQuery(urls.menu, { lang: language }),
  });
  if (input.inHours) {
    const person = input.ringGroup && input.ringGroup.numbers.length > 0 ? ` ${t.personOffer}` : '';
    say(gather, language, `${t.welcome(input.practiceName)} ${t.menu}${person}`);
  } else {
    const own = input.afterHoursMessages ? input.afterHoursMessages[language] : input.afterHoursMessage;
    const closed = own?.trim() || t.closed(input.practiceName);
    say(gather, language, offerOnCall ? `${closed} ${t.onCallOffer}` : closed);
  }
  say(gather, other(language), t.switchLanguage);

  // no key and no speech: Twilio continues after the Gather, so the caller can still leave a message
  appendVoicemail(response, language, 'other', urls, input.inHours ? undefined : t.leaveMessageAfterHours);
  return response.toString();
}

function normaliseSpeech(speech: string): string {
  return ` ${speech.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

const SPOKEN: { choice: MenuChoice | 'switch'; words: string[] }[] = [
  { choice: 'switch', words: ['spanish', 'espanol', 'english', 'ingles'] },
  { choice: 'urgent', words: ['urgent', 'urgente', 'on call', 'de guardia'] },
  { choice: 'person', words: ['representative', 'someone', 'somebody', 'person', 'operator', 'agent', 'receptionist', 'front desk', 'representante', 'alguien', 'persona', 'operadora', 'operador', 'recepcion'] },
  { choice: 'appointments', words: ['appointment', 'appointments', 'schedule', 'reschedule', 'cita', 'citas'] },
  { choice: 'refills', words: ['refill', 'refills', 'prescription', 'prescriptions', 'medication', 'pharmacy', 'receta', 'recetas', 'resurtir', 'medicamento', 'medicina', 'farmacia'] },
  { choice: 'billing', words: ['billing', 'bill', 'payment', 'pay', 'invoice', 'insurance', 'factura', 'facturacion', 'pago', 'cuenta', 'seguro'] },
  { choice: 'other', words: ['other', 'something else', 'message', 'voicemail', 'otro', 'otra', 'mensaje'] },
];

const KEYS_IN_HOURS: Record<string, MenuChoice | 'switch'> = { '0': 'person', '1': 'appointments', '2': 'refills', '3': 'billing', '4': 'other', '9': 'switch' };

/** What a key press or a spoken answer asked for; null when it matched nothing. */
export function menuChoiceFrom(input: { digits?: string | null; speechResult?: string | null; inHours: boolean }): MenuChoice | 'switch' | null {
  const digit = input.digits?.trim().charAt(0);
  if (digit) {
    if (digit === '9') return 'switch';
    if (input.inHours) return KEYS_IN_HOURS[digit] ?? null;
    return digit === '1' ? 'urgent' : null;
  }
  if (input.speechResult) {
    const heard = normaliseSpeech(input.speechResult);
    for (const { choice, words } of SPOKEN) {
      if (choice === 'urgent' && input.inHours) continue;
      if (choice === 'person' && !input.inHours) continue;
      if (words.some((w) => heard.includes(` ${w} `))) return choice;
    }
  }
  return null;
}

/**
 * `POST /webhooks/twilio/voice/menu`: the Gather answer (Digits or SpeechResult), or the
 * on-call Dial's answer (DialCallStatus, with event=dial in the query).
 */
export function menuChoiceTwiml(
  input: VoicePracticeSettings & {
    language: VoiceLanguage;
    digits?: string | null;
    speechResult?: string | null;
    /** DialCallStatus when this is the on-call forward's or the ring group's action */
    dialCallStatus?: string | null;
    /** which dial that was (the `choice` in its action URL): the ring group, else the on-call forward */
    dialChoice?: MenuChoice | null;
  },
): string {
  const { language, urls } = input;
  const t = TEXT[language];

  if (input.dialCallStatus) {
    const response = new twilio.twiml.VoiceResponse();
    if (input.dialCallStatus === 'completed' || input.dialCallStatus === 'answered') {
      response.hangup();
    } else if (input.dialChoice === 'person') {
      appendVoicemail(response, language, 'person', urls, t.personUnreachable);
    } else {
      appendVoicemail(response, language, 'urgent', urls, t.onCallUnreachable);
    }
    return response.toString();
  }

  const choice = menuChoiceFrom({ digits: input.digits, speechResult: input.speechResult, inHours: input.inHours });
  if (choice === 'switch') {
    const next = other(language);
    // the other language's own after-hours text, never this one's read in the other voice
    return incomingCallTwiml({ ...input, language: next, afterHoursMessage: input.afterHoursMessages ? (input.afterHoursMessages[next] ?? null) : null });
  }

  const response = new twilio.twiml.VoiceResponse();
  if (choice === 'person' && input.ringGroup && input.ringGroup.numbers.length > 0) {
    say(response, language, t.connectingPerson);
    appendRingGroup(response, input.ringGroup, withQuery(urls.menu, { lang: language, choice: 'person', event: 'dial' }));
    return response.toString();
  }
  if (choice === 'urgent' && input.onCallNumber) {
    say(response, language, t.connecting);
    const dial = response.dial({
      timeout: 25,
      answerOnBridge: true,
      action: withQuery(urls.menu, { lang: language, choice: 'urgent', event: 'dial' }),
    });
    dial.number(input.onCallNumber);
    return response.toString();
  }
  appendVoicemail(response, language, choice ?? 'other', urls);
  return response.toString();
}

/**
 * Rings a practice's staff phones together (`<Dial>` with one `<Number>` per phone): the first
 * to answer takes the call; after the timeout Twilio posts the action, which falls back to
 * voicemail. Also used by a reminder call's "talk to someone".
 */
export function appendRingGroup(response: VoiceResponse, group: { numbers: string[]; timeoutSeconds: number }, actionUrl: string) {
  const dial = response.dial({ timeout: group.timeoutSeconds, answerOnBridge: true, action: actionUrl });
  for (const n of group.numbers) dial.number(n);
}

/** Answer to the Record action (event=action): the caller is done. */
export function voicemailDoneTwiml(language: VoiceLanguage): string {
  const response = new twilio.twiml.VoiceResponse();
  say(response, language, TEXT[language].thanks);
  response.hangup();
  return response.toString();
}
