import twilio from '../twilio-parts';
import { appendRingGroup, type VoiceLanguage } from './twiml';

const SPEECH = {
  en: { voice: 'Polly.Joanna', language: 'en-US' },
  es: { voice: 'Polly.Lupe', language: 'es-US' },
} as const;

const NO_ANSWER = {
  en: 'We did not get an answer. Goodbye.',
  es: 'No recibimos una respuesta. Adiós.',
};

/** A reminder call: the reminder (which ends with "press 1, 2 or 3"), read twice at most, one keypress taken. */
export function reminderCallTwiml(input: { language: VoiceLanguage; text: string; actionUrl: string }): string {
  const speech = SPEECH[input.language];
  const r = new twilio.twiml.VoiceResponse();
  for (let i = 0; i < 2; i++) {
    const gather = r.gather({ numDigits: 1, action: input.actionUrl, method: 'POST', timeout: 6 });
    gather.say(speech, input.text);
  }
  r.say(speech, NO_ANSWER[input.language]);
  r.hangup();
  return r.toString();
}

/**
 * The answer to a keypress: what was done, then goodbye, or a transfer to the practice's ring
 * group (its staff phones rung together, as the IVR's "talk to someone" does; never the
 * practice's own Twilio number, which is the IVR). The dial's action says what came of it.
 */
export function reminderAnswerTwiml(input: {
  language: VoiceLanguage;
  text: string;
  dial?: { numbers: string[]; timeoutSeconds: number; actionUrl: string } | null;
}): string {
  const speech = SPEECH[input.language];
  const r = new twilio.twiml.VoiceResponse();
  r.say(speech, input.text);
  if (input.dial && input.dial.numbers.length > 0) appendRingGroup(r, input.dial, input.dial.actionUrl);
  else r.hangup();
  return r.toString();
}

/** After the transfer: a call that nobody picked up hears that someone will call back. */
export function reminderDialDoneTwiml(input: { language: VoiceLanguage; answered: boolean }): string {
  const r = new twilio.twiml.VoiceResponse();
  if (!input.answered) r.say(SPEECH[input.language], NOBODY[input.language]);
  r.hangup();
  return r.toString();
}

const NOBODY = {
  en: 'Sorry, no one could take your call. Someone from our office will call you back. Goodbye.',
  es: 'Lo sentimos, nadie pudo atender su llamada. Alguien de nuestra oficina le llamará. Adiós.',
};

export const connectingText = {
  en: 'Please hold while we connect you to the office.',
  es: 'Por favor espere mientras le comunicamos con la oficina.',
};
