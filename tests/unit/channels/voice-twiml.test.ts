import { describe, expect, it } from 'vitest';
import {
  incomingCallTwiml,
  menuChoiceFrom,
  menuChoiceTwiml,
  readVoiceQuery,
  voicemailDoneTwiml,
} from '../../../channels/voice/twiml';

const urls = {
  menu: 'https://clinic.example.com/webhooks/twilio/voice/menu',
  recording: 'https://clinic.example.com/webhooks/twilio/voice/recording',
  transcription: 'https://clinic.example.com/webhooks/twilio/voice/transcription',
};
const practice = { practiceName: 'Maple Family Practice', urls };

/** Tag names in document order, attributes dropped: the call flow a caller goes through. */
function flow(xml: string): string[] {
  return [...xml.matchAll(/<([A-Z][A-Za-z]*)\b/g)].map((m) => m[1]!);
}
function attr(xml: string, tag: string, name: string): string | undefined {
  const el = xml.match(new RegExp(`<${tag}\\b[^>]*>`))?.[0];
  return el?.match(new RegExp(`\\b${name}="([^"]*)"`))?.[1]?.replaceAll('&amp;', '&');
}

describe('incomingCallTwiml in hours', () => {
  const xml = incomingCallTwiml({ ...practice, language: 'en', inHours: true });

  it('says the emergency line first, then the menu, then falls to voicemail', () => {
    expect(flow(xml)).toEqual(['Response', 'Say', 'Gather', 'Say', 'Say', 'Say', 'Record', 'Say', 'Hangup']);
    expect(xml.indexOf('If this is a medical emergency, hang up and dial 9 1 1.')).toBeLessThan(xml.indexOf('<Gather'));
    expect(xml).toContain('Thank you for calling Maple Family Practice.');
    expect(xml).toContain('For appointments, press 1');
    expect(xml).toContain('<Say voice="Polly.Lupe" language="es-US">Para español, oprima 9.</Say>');
  });

  it('gathers keys and speech and posts to the menu with the language', () => {
    expect(attr(xml, 'Gather', 'input')).toBe('dtmf speech');
    expect(attr(xml, 'Gather', 'language')).toBe('en-US');
    expect(attr(xml, 'Gather', 'action')).toBe(`${urls.menu}?lang=en`);
  });

  it('records with English transcription and the choice in every callback URL', () => {
    expect(attr(xml, 'Record', 'maxLength')).toBe('120');
    expect(attr(xml, 'Record', 'transcribe')).toBe('true');
    expect(attr(xml, 'Record', 'transcribeCallback')).toBe(`${urls.transcription}?lang=en&choice=other`);
    expect(attr(xml, 'Record', 'recordingStatusCallback')).toBe(`${urls.recording}?lang=en&choice=other&event=status`);
    expect(attr(xml, 'Record', 'action')).toBe(`${urls.recording}?lang=en&choice=other&event=action`);
  });
});

describe('incomingCallTwiml in Spanish', () => {
  const xml = incomingCallTwiml({ ...practice, language: 'es', inHours: true });

  it('speaks Spanish and offers English on 9', () => {
    expect(xml).toContain('<Say voice="Polly.Lupe" language="es-US">Si se trata de una emergencia médica, cuelgue y marque el 9 1 1.</Say>');
    expect(xml).toContain('Gracias por llamar a Maple Family Practice.');
    expect(xml).toContain('<Say voice="Polly.Joanna" language="en-US">For English, press 9.</Say>');
    expect(attr(xml, 'Gather', 'language')).toBe('es-US');
  });

  it('does not ask Twilio to transcribe (English only)', () => {
    expect(attr(xml, 'Record', 'transcribe')).toBeUndefined();
    expect(attr(xml, 'Record', 'transcribeCallback')).toBeUndefined();
    expect(attr(xml, 'Record', 'recordingStatusCallback')).toBe(`${urls.recording}?lang=es&choice=other&event=status`);
  });
});

describe('incomingCallTwiml after hours', () => {
  it('plays the practice message and offers the on-call line when configured', () => {
    const xml = incomingCallTwiml({
      ...practice,
      language: 'en',
      inHours: false,
      afterHoursMessage: 'Our office is closed. We open at 8 AM.',
      onCallNumber: '+12125550199',
    });
    expect(flow(xml)[1]).toBe('Say');
    expect(xml).toContain('Our office is closed. We open at 8 AM. If your concern is urgent');
    expect(xml).toContain('press 1 or say urgent');
    expect(xml).not.toContain('For appointments');
    expect(xml).toContain('<Record');
  });

  it('without on-call, only the message and voicemail', () => {
    const xml = incomingCallTwiml({ ...practice, language: 'en', inHours: false });
    expect(xml).toContain('Thank you for calling Maple Family Practice. Our office is closed right now.');
    expect(xml).not.toContain('press 1');
    expect(xml).toContain('<Record');
  });
});

describe('menuChoiceFrom', () => {
  it.each([
    [{ digits: '1' }, 'appointments'],
    [{ digits: '2' }, 'refills'],
    [{ digits: '3' }, 'billing'],
    [{ digits: '4' }, 'other'],
    [{ digits: '9' }, 'switch'],
    [{ digits: '7' }, null],
    [{ speechResult: 'I need an appointment.' }, 'appointments'],
    [{ speechResult: 'Quiero una cita' }, 'appointments'],
    [{ speechResult: 'Refill please' }, 'refills'],
    [{ speechResult: 'Necesito una receta.' }, 'refills'],
    [{ speechResult: 'Billing.' }, 'billing'],
    [{ speechResult: 'Es sobre mi factura' }, 'billing'],
    [{ speechResult: 'Español' }, 'switch'],
    [{ speechResult: 'hmm' }, null],
  ] as const)('in hours %j -> %s', (input, expected) => {
    expect(menuChoiceFrom({ ...input, inHours: true })).toBe(expected);
  });

  it('after hours 1 or "urgent" is urgent; it is not a choice in hours', () => {
    expect(menuChoiceFrom({ digits: '1', inHours: false })).toBe('urgent');
    expect(menuChoiceFrom({ speechResult: 'Es urgente', inHours: false })).toBe('urgent');
    expect(menuChoiceFrom({ digits: '2', inHours: false })).toBeNull();
    expect(menuChoiceFrom({ speechResult: 'urgent', inHours: true })).toBeNull();
  });
});

describe('menuChoiceTwiml', () => {
  it('asks for a refill voicemail with the choice in the callbacks', () => {
    const xml = menuChoiceTwiml({ ...practice, language: 'en', inHours: true, digits: '2' });
    expect(flow(xml)).toEqual(['Response', 'Say', 'Record', 'Say', 'Hangup']);
    expect(xml).toContain('the medication, and your pharmacy');
    expect(attr(xml, 'Record', 'recordingStatusCallback')).toBe(`${urls.recording}?lang=en&choice=refills&event=status`);
    expect(attr(xml, 'Record', 'transcribeCallback')).toBe(`${urls.transcription}?lang=en&choice=refills`);
  });

  it('Spanish speech picks the choice and records without Twilio transcription', () => {
    const xml = menuChoiceTwiml({ ...practice, language: 'es', inHours: true, speechResult: 'Es sobre una cita' });
    expect(attr(xml, 'Record', 'recordingStatusCallback')).toBe(`${urls.recording}?lang=es&choice=appointments&event=status`);
    expect(attr(xml, 'Record', 'transcribe')).toBeUndefined();
  });

  it('9 replays the menu in the other language', () => {
    const xml = menuChoiceTwiml({ ...practice, language: 'en', inHours: true, digits: '9' });
    expect(xml).toBe(incomingCallTwiml({ ...practice, language: 'es', inHours: true }));
  });

  it('after hours, urgent dials the on-call number and comes back to the menu', () => {
    const xml = menuChoiceTwiml({ ...practice, language: 'en', inHours: false, onCallNumber: '+12125550199', digits: '1' });
    expect(flow(xml)).toEqual(['Response', 'Say', 'Dial', 'Number']);
    expect(xml).toContain('<Number>+12125550199</Number>');
    expect(attr(xml, 'Dial', 'action')).toBe(`${urls.menu}?lang=en&choice=urgent&event=dial`);
  });

  it('urgent without an on-call number leaves a voicemail marked urgent', () => {
    const xml = menuChoiceTwiml({ ...practice, language: 'en', inHours: false, speechResult: 'It is urgent' });
    expect(xml).not.toContain('<Dial');
    expect(attr(xml, 'Record', 'recordingStatusCallback')).toContain('choice=urgent');
  });

  it('an unanswered forward falls back to an urgent voicemail; an answered one hangs up', () => {
    const missed = menuChoiceTwiml({ ...practice, language: 'en', inHours: false, onCallNumber: '+12125550199', dialCallStatus: 'no-answer' });
    expect(missed).toContain('We could not reach the provider on call.');
    expect(attr(missed, 'Record', 'recordingStatusCallback')).toBe(`${urls.recording}?lang=en&choice=urgent&event=status`);
    const answered = menuChoiceTwiml({ ...practice, language: 'en', inHours: false, onCallNumber: '+12125550199', dialCallStatus: 'completed' });
    expect(flow(answered)).toEqual(['Response', 'Hangup']);
  });
});

describe('readVoiceQuery and voicemailDoneTwiml', () => {
  it('reads back what the TwiML put in the URL, ignoring junk', () => {
    expect(readVoiceQuery('?lang=es&choice=refills&event=status')).toEqual({ language: 'es', choice: 'refills', event: 'status' });
    expect(readVoiceQuery('lang=fr&choice=<x>')).toEqual({ language: 'en', choice: null, event: null });
  });

  it('thanks and hangs up', () => {
    expect(voicemailDoneTwiml('es')).toContain('Gracias. Recibimos su mensaje');
    expect(flow(voicemailDoneTwiml('en'))).toEqual(['Response', 'Say', 'Hangup']);
  });
});

describe('talk to someone (issue 11)', () => {
  const ringGroup = { numbers: ['+12125550201', '+12125550202'], timeoutSeconds: 20 };

  it('in hours the menu offers 0 when the practice has a ring group, and not without one', () => {
    expect(incomingCallTwiml({ ...practice, language: 'en', inHours: true, ringGroup })).toContain('To speak with someone, press 0.');
    expect(incomingCallTwiml({ ...practice, language: 'es', inHours: true, ringGroup })).toContain('Para hablar con alguien, oprima 0.');
    expect(incomingCallTwiml({ ...practice, language: 'en', inHours: true })).not.toContain('press 0');
    expect(incomingCallTwiml({ ...practice, language: 'en', inHours: false, ringGroup })).not.toContain('press 0');
  });

  it('0 (or "representative") rings every staff phone at once with the timeout, then falls to voicemail', () => {
    for (const input of [{ digits: '0' }, { speechResult: 'I want to talk to someone' }, { speechResult: 'Quiero hablar con una persona' }]) {
      const xml = menuChoiceTwiml({ ...practice, language: 'en', inHours: true, ringGroup, ...input });
      expect(flow(xml)).toEqual(['Response', 'Say', 'Dial', 'Number', 'Number']);
      expect(attr(xml, 'Dial', 'timeout')).toBe('20');
      expect(attr(xml, 'Dial', 'action')).toBe(`${urls.menu}?lang=en&choice=person&event=dial`);
    }
    const nobody = menuChoiceTwiml({ ...practice, language: 'en', inHours: true, ringGroup, dialCallStatus: 'no-answer', dialChoice: 'person' });
    expect(nobody).toContain('no one is available');
    expect(attr(nobody, 'Record', 'recordingStatusCallback')).toBe(`${urls.recording}?lang=en&choice=person&event=status`);
    expect(flow(menuChoiceTwiml({ ...practice, language: 'en', inHours: true, ringGroup, dialCallStatus: 'completed', dialChoice: 'person' }))).toEqual(['Response', 'Hangup']);
  });

  it('without a ring group, 0 leaves a voicemail', () => {
    const xml = menuChoiceTwiml({ ...practice, language: 'en', inHours: true, digits: '0' });
    expect(xml).not.toContain('<Dial');
    expect(xml).toContain('<Record');
  });

  it('after hours, 9 reads the Spanish after-hours text, never the English one in a Spanish voice', () => {
    const afterHoursMessages = { en: 'We are closed.', es: 'Estamos cerrados.' };
    const en = incomingCallTwiml({ ...practice, language: 'en', inHours: false, afterHoursMessages });
    expect(en).toContain('We are closed.');
    const es = menuChoiceTwiml({ ...practice, language: 'en', inHours: false, afterHoursMessages, afterHoursMessage: 'We are closed.', digits: '9' });
    expect(es).toContain('<Say voice="Polly.Lupe" language="es-US">Estamos cerrados.');
    expect(es).not.toContain('We are closed.');
    // no Spanish text set: the default Spanish closed message
    const fallback = menuChoiceTwiml({ ...practice, language: 'en', inHours: false, afterHoursMessages: { en: 'We are closed.', es: null }, digits: '9' });
    expect(fallback).toContain('Nuestra oficina está cerrada en este momento.');
    expect(fallback).not.toContain('We are closed.');
  });
});
