import { describe, expect, it } from 'vitest';
import { publicWebhookUrl, signTwilioRequest, verifyTwilioRequest } from '../../../channels/sms/verify';

const authToken = '12345678901234567890123456789012';
const params = { MessageSid: 'SM1', From: '+14155552671', To: '+12125550100', Body: 'Hi' };
const publicBaseUrl = 'https://clinic.example.com';

describe('verifyTwilioRequest', () => {
  it('accepts a request signed over the public URL', () => {
    const signature = signTwilioRequest(authToken, 'https://clinic.example.com/webhooks/twilio/sms', params);
    expect(
      verifyTwilioRequest({ authToken, publicBaseUrl, path: '/webhooks/twilio/sms', search: '', params, signature }),
    ).toBe(true);
  });

  it('refuses a request signed over the internal URL (behind a proxy)', () => {
    const signature = signTwilioRequest(authToken, 'http://10.0.0.5:3000/webhooks/twilio/sms', params);
    expect(
      verifyTwilioRequest({ authToken, publicBaseUrl, path: '/webhooks/twilio/sms', search: '', params, signature }),
    ).toBe(false);
  });

  it('covers the query string, with or without its "?"', () => {
    const url = 'https://clinic.example.com/webhooks/twilio/voice/recording?choice=refills&lang=es';
    const signature = signTwilioRequest(authToken, url, params);
    const base = { authToken, publicBaseUrl: `${publicBaseUrl}/`, path: '/webhooks/twilio/voice/recording', params, signature };
    expect(verifyTwilioRequest({ ...base, search: '?choice=refills&lang=es' })).toBe(true);
    expect(verifyTwilioRequest({ ...base, search: 'choice=refills&lang=es' })).toBe(true);
    expect(verifyTwilioRequest({ ...base, search: '?choice=billing&lang=es' })).toBe(false);
    expect(verifyTwilioRequest({ ...base, search: '' })).toBe(false);
  });

  it('refuses tampered params, a wrong token and a missing signature', () => {
    const url = 'https://clinic.example.com/webhooks/twilio/sms';
    const signature = signTwilioRequest(authToken, url, params);
    const base = { publicBaseUrl, path: '/webhooks/twilio/sms', search: '' };
    expect(verifyTwilioRequest({ ...base, authToken, params: { ...params, Body: 'Hi!' }, signature })).toBe(false);
    expect(verifyTwilioRequest({ ...base, authToken: 'x'.repeat(32), params, signature })).toBe(false);
    expect(verifyTwilioRequest({ ...base, authToken, params, signature: undefined })).toBe(false);
    expect(verifyTwilioRequest({ ...base, authToken, params, signature: '' })).toBe(false);
    expect(verifyTwilioRequest({ ...base, authToken: '', params, signature })).toBe(false);
  });
});

describe('publicWebhookUrl', () => {
  it('joins base, path and query without doubling slashes', () => {
    expect(publicWebhookUrl('https://a.example/', '/webhooks/twilio/sms', '')).toBe('https://a.example/webhooks/twilio/sms');
    expect(publicWebhookUrl('https://a.example', 'webhooks/x', '?a=1')).toBe('https://a.example/webhooks/x?a=1');
    expect(publicWebhookUrl('https://a.example/base', '/x', '?')).toBe('https://a.example/base/x');
  });
});
