import { describe, expect, it } from 'vitest';
import {
  callOutcome,
  ChannelInputError,
  missedCallToInbound,
  parseCallStatusCallback,
  parseIncomingCall,
  parseRecordingCallback,
  parseTranscriptionCallback,
  transcriptionPlan,
  voicemailToInbound,
} from '../../../channels/voice/parse';

const receivedAt = new Date('2026-03-02T15:00:00Z');
const recordingUrl = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef';

describe('parseIncomingCall', () => {
  it('reads the call and normalises numbers', () => {
    expect(parseIncomingCall({ CallSid: 'CA1', From: '+14155552671', To: '+12125550100', AccountSid: 'AC1', CallStatus: 'ringing' })).toEqual({
      callSid: 'CA1',
      from: '+14155552671',
      to: '+12125550100',
      callerIdKnown: true,
      accountSid: 'AC1',
    });
  });

  it('keeps a withheld caller id and says so', () => {
    expect(parseIncomingCall({ CallSid: 'CA2', From: 'anonymous', To: '+12125550100' })).toMatchObject({
      from: 'anonymous',
      callerIdKnown: false,
    });
  });

  it('refuses a call without CallSid', () => {
    expect(() => parseIncomingCall({ From: '+14155552671', To: '+12125550100' })).toThrowError(ChannelInputError);
  });
});

describe('parseRecordingCallback', () => {
  it('reads the status callback', () => {
    expect(
      parseRecordingCallback({
        AccountSid: 'AC1',
        CallSid: 'CA1',
        RecordingSid: 'RE0123456789abcdef0123456789abcdef',
        RecordingUrl: recordingUrl,
        RecordingStatus: 'completed',
        RecordingDuration: '37',
        RecordingChannels: '1',
        RecordingSource: 'RecordVerb',
      }),
    ).toEqual({
      callSid: 'CA1',
      recordingSid: 'RE0123456789abcdef0123456789abcdef',
      recordingUrl,
      durationSeconds: 37,
      status: 'completed',
      errorCode: null,
      from: null,
      to: null,
    });
  });

  it('reads an absent recording (too short) with its error code', () => {
    expect(parseRecordingCallback({ CallSid: 'CA1', RecordingSid: 'RE2', RecordingStatus: 'absent', RecordingDuration: '0', ErrorCode: '16101' })).toMatchObject({
      status: 'absent',
      errorCode: 16101,
      durationSeconds: 0,
    });
  });

  it('reads the Record action, which carries From and To but no status', () => {
    expect(parseRecordingCallback({ CallSid: 'CA1', From: '+14155552671', To: '+12125550100', RecordingUrl: recordingUrl, RecordingDuration: '12', Digits: '#' })).toMatchObject({
      status: null,
      from: '+14155552671',
      to: '+12125550100',
      durationSeconds: 12,
    });
  });

  it('refuses a completed recording without its sid', () => {
    expect(() => parseRecordingCallback({ CallSid: 'CA1', RecordingStatus: 'completed', RecordingUrl: recordingUrl })).toThrowError(/RecordingSid/);
  });
});

describe('parseTranscriptionCallback', () => {
  it('reads a completed and a failed transcription', () => {
    expect(parseTranscriptionCallback({ RecordingSid: 'RE1', CallSid: 'CA1', TranscriptionStatus: 'completed', TranscriptionText: ' I need a refill of my lisinopril. ' })).toEqual({
      recordingSid: 'RE1',
      callSid: 'CA1',
      status: 'completed',
      text: 'I need a refill of my lisinopril.',
    });
    expect(parseTranscriptionCallback({ RecordingSid: 'RE1', TranscriptionStatus: 'failed', TranscriptionText: '(blank)' })).toMatchObject({ status: 'failed', text: null });
  });
});

describe('parseCallStatusCallback and callOutcome', () => {
  it('reads the outcome and duration', () => {
    expect(parseCallStatusCallback({ CallSid: 'CA1', CallStatus: 'completed', CallDuration: '48', From: '+14155552671', To: '+12125550100' })).toEqual({
      callSid: 'CA1',
      status: 'completed',
      durationSeconds: 48,
      from: '+14155552671',
      to: '+12125550100',
      connected: true,
    });
    expect(parseCallStatusCallback({ CallSid: 'CA2', CallStatus: 'canceled' })).toMatchObject({ connected: false, durationSeconds: 0 });
    expect(() => parseCallStatusCallback({ CallSid: 'CA2', CallStatus: 'weird' })).toThrowError(/CallStatus/);
  });

  it('answered beats voicemail beats missed', () => {
    expect(callOutcome({ forwardAnswered: true, voicemailRecorded: false })).toBe('answered');
    expect(callOutcome({ forwardAnswered: false, voicemailRecorded: true })).toBe('voicemail');
    expect(callOutcome({ forwardAnswered: false, voicemailRecorded: false })).toBe('missed');
  });
});

describe('transcriptionPlan', () => {
  it('English within 2..120 s waits for Twilio; outside it has none', () => {
    expect(transcriptionPlan({ language: 'en', durationSeconds: 30, providerAvailable: true })).toEqual({ source: 'twilio' });
    expect(transcriptionPlan({ language: 'en', durationSeconds: 1, providerAvailable: true })).toEqual({ source: 'none', reason: 'too_short' });
    expect(transcriptionPlan({ language: 'en', durationSeconds: 121, providerAvailable: true })).toEqual({ source: 'none', reason: 'too_long' });
  });

  it('Spanish goes to the provider, or has none without one', () => {
    expect(transcriptionPlan({ language: 'es', durationSeconds: 30, providerAvailable: true })).toEqual({ source: 'provider' });
    expect(transcriptionPlan({ language: 'es', durationSeconds: 30, providerAvailable: false })).toEqual({ source: 'none', reason: 'language' });
  });
});

describe('voicemailToInbound', () => {
  const recording = { recordingSid: 'RE0123456789abcdef0123456789abcdef', recordingUrl, durationSeconds: 37, callSid: 'CA1' };
  const call = { from: '+14155552671', to: '+12125550100' };

  it('builds a voice message with the transcript, the MP3 link, duration and choice', () => {
    expect(voicemailToInbound({ recording, call, transcript: 'I need a refill.', choice: 'refills', language: 'en', receivedAt })).toEqual({
      channel: 'voice',
      providerId: 'RE0123456789abcdef0123456789abcdef',
      to: '+12125550100',
      from: { kind: 'phone', value: '+14155552671' },
      body: 'I need a refill.',
      attachments: [
        { name: 'voicemail-RE0123456789abcdef0123456789abcdef.mp3', contentType: 'audio/mpeg', size: null, url: `${recordingUrl}.mp3` },
      ],
      meta: { kind: 'voicemail', callSid: 'CA1', durationSeconds: 37, choice: 'refills', language: 'en' },
      receivedAt,
    });
  });

  it('still lands without a transcript, marked with the reason', () => {
    const message = voicemailToInbound({ recording: { ...recording, durationSeconds: 1 }, call, transcript: null, noTranscriptReason: 'too_short', choice: null, language: 'en', receivedAt });
    expect(message.body).toBe('[Voicemail: transcript unavailable (the recording is under 2 seconds). Listen to the recording.]');
    expect(message.meta).toMatchObject({ noTranscript: true, noTranscriptReason: 'too_short', durationSeconds: 1 });
    const es = voicemailToInbound({ recording, call, transcript: null, noTranscriptReason: 'simulated', choice: null, language: 'es', receivedAt });
    expect(es.body).toMatch(/^\[Voicemail in Spanish: transcript unavailable \(transcription is simulated/);
    expect(message.attachments).toHaveLength(1);
  });
});

describe('missedCallToInbound', () => {
  it('shows the missed call in the inbox', () => {
    expect(missedCallToInbound({ callSid: 'CA9', from: '+14155552671', to: '+12125550100', durationSeconds: 8, receivedAt })).toEqual({
      channel: 'voice',
      providerId: 'CA9',
      to: '+12125550100',
      from: { kind: 'phone', value: '+14155552671' },
      body: 'Missed call',
      attachments: [],
      meta: { kind: 'missed_call', durationSeconds: 8, choice: null, language: 'en' },
      receivedAt,
    });
  });
});
