import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createNoTranscriptionProvider, createTwilioIntelligenceProvider } from '../../../channels/voice/transcription';
import { createTwilioApiMock } from '../../msw/twilio';

const twilioApi = createTwilioApiMock();
const server = setupServer(...twilioApi.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => twilioApi.reset());
afterAll(() => server.close());

const provider = createTwilioIntelligenceProvider({
  accountSid: 'AC0123456789abcdef0123456789abcdef',
  authToken: 'token0123456789abcdef0123456789a',
  serviceSids: { es: 'GA0123456789abcdef0123456789abcdef' },
});
const request = {
  recordingSid: 'RE0123456789abcdef0123456789abcdef',
  recordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef',
  language: 'es' as const,
};

describe('Twilio Voice Intelligence provider', () => {
  it('creates a transcript from the recording SID on the Spanish service', async () => {
    const result = await provider.transcribe(request);
    expect(result).toEqual({ pending: true, id: twilioApi.sid('GT', 1) });
    const [created] = twilioApi.requests;
    expect(created?.url).toBe('https://intelligence.twilio.com/v2/Transcripts');
    expect(created?.form).toEqual({
      ServiceSid: 'GA0123456789abcdef0123456789abcdef',
      Channel: JSON.stringify({ media_properties: { source_sid: 'RE0123456789abcdef0123456789abcdef' } }),
      CustomerKey: 'RE0123456789abcdef0123456789abcdef',
    });
  });

  it('answers pending, then the joined sentences once completed', async () => {
    const result = await provider.transcribe(request);
    const id = 'pending' in result ? result.id : '';
    expect(await provider.fetch(id)).toEqual({ state: 'pending' });
    twilioApi.setTranscript(id, { status: 'completed', sentences: ['Hola, necesito una receta.', 'Mi farmacia es CVS.'] });
    expect(await provider.fetch(id)).toEqual({ state: 'completed', text: 'Hola, necesito una receta. Mi farmacia es CVS.' });
    twilioApi.setTranscript(id, { status: 'failed' });
    expect(await provider.fetch(id)).toEqual({ state: 'failed' });
  });

  it('supports only the languages it has a service for', async () => {
    expect(provider.supports('es')).toBe(true);
    expect(provider.supports('en')).toBe(false);
    await expect(provider.transcribe({ ...request, language: 'en' })).rejects.toThrowError(/no Voice Intelligence service/);
    expect(twilioApi.requests).toHaveLength(0);
  });
});

describe('none provider', () => {
  it('supports nothing', async () => {
    const none = createNoTranscriptionProvider();
    expect(none.supports('es')).toBe(false);
    await expect(none.transcribe(request)).rejects.toThrowError();
  });
});
