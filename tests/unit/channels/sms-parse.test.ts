import { describe, expect, it } from 'vitest';
import { ChannelInputError, canReceiveSms, normalisePhone, parseTwilioSms } from '../../../channels/sms/parse';

const receivedAt = new Date('2026-03-02T15:00:00Z');

describe('parseTwilioSms', () => {
  it('parses a plain text into an sms InboundMessage', () => {
    const message = parseTwilioSms(
      {
        MessageSid: 'SM0123456789abcdef0123456789abcdef',
        AccountSid: 'AC0123456789abcdef0123456789abcdef',
        From: '+14155552671',
        To: '+12125550100',
        Body: 'Can I get a refill of lisinopril?',
        NumMedia: '0',
        FromCity: 'SAN FRANCISCO',
        FromZip: '94105',
      },
      receivedAt,
    );
    expect(message).toEqual({
      channel: 'sms',
      providerId: 'SM0123456789abcdef0123456789abcdef',
      to: '+12125550100',
      from: { kind: 'phone', value: '+14155552671' },
      body: 'Can I get a refill of lisinopril?',
      attachments: [],
      meta: { numMedia: 0, accountSid: 'AC0123456789abcdef0123456789abcdef' },
      receivedAt,
    });
  });

  it('keeps MMS media as links with their content type', () => {
    const message = parseTwilioSms(
      {
        MessageSid: 'MM1',
        From: '+14155552671',
        To: '+12125550100',
        Body: '',
        NumMedia: '2',
        MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1',
        MediaContentType0: 'image/jpeg',
        MediaUrl1: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2',
        MediaContentType1: 'application/pdf',
      },
      receivedAt,
    );
    expect(message.body).toBe('');
    expect(message.attachments).toEqual([
      { name: null, contentType: 'image/jpeg', size: null, url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1' },
      { name: null, contentType: 'application/pdf', size: null, url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2' },
    ]);
    expect(message.meta).toEqual({ numMedia: 2 });
  });

  it('normalises numbers to E.164 and keeps a short code as it came', () => {
    const message = parseTwilioSms({ MessageSid: 'SM2', From: '(415) 555-2671', To: '22395', Body: 'x' }, receivedAt);
    expect(message.from.value).toBe('+14155552671');
    expect(message.to).toBe('22395');
  });

  it('throws a ChannelInputError naming the missing field', () => {
    expect(() => parseTwilioSms({ From: '+14155552671', To: '+12125550100', Body: 'x' }, receivedAt)).toThrowError(
      ChannelInputError,
    );
    try {
      parseTwilioSms({ MessageSid: 'SM3', To: '+12125550100' }, receivedAt);
    } catch (error) {
      expect(error).toMatchObject({ code: 'missing_field', field: 'From' });
    }
    expect(() =>
      parseTwilioSms({ MessageSid: 'SM4', From: '+14155552671', To: '+12125550100', NumMedia: 'two' }, receivedAt),
    ).toThrowError(/NumMedia/);
  });
});

describe('normalisePhone', () => {
  it('turns what people type into E.164', () => {
    expect(normalisePhone('(415) 555-2671')).toBe('+14155552671');
    expect(normalisePhone('415.555.2671')).toBe('+14155552671');
    expect(normalisePhone('+1 212 555 0100')).toBe('+12125550100');
    expect(normalisePhone('1-415-555-2671')).toBe('+14155552671');
    expect(normalisePhone('020 7183 8750', 'GB')).toBe('+442071838750');
    // fictional 555-01xx numbers are possible, so demos work
    expect(normalisePhone('555-555-0123')).toBe('+15555550123');
  });

  it('returns null for what is not a phone number', () => {
    expect(normalisePhone('')).toBeNull();
    expect(normalisePhone('call me')).toBeNull();
    expect(normalisePhone('911')).toBeNull();
    expect(normalisePhone('22395')).toBeNull();
  });
});

describe('canReceiveSms', () => {
  it('allows mobile and ambiguous numbers, refuses landlines, toll-free and premium', () => {
    expect(canReceiveSms('+14155552671')).toBe(true); // US: fixed line or mobile
    expect(canReceiveSms('+447400123456')).toBe(true); // UK mobile
    expect(canReceiveSms('+15555550123')).toBe(true); // unknown type: try
    expect(canReceiveSms('+442071838750')).toBe(false); // UK landline
    expect(canReceiveSms('+18005551234')).toBe(false); // toll-free
    expect(canReceiveSms('+19005551234')).toBe(false); // premium rate
    expect(canReceiveSms('not a number')).toBe(false);
  });
});
