import { describe, expect, it } from 'vitest';
import { parseTwilioStatusCallback, shouldApplyStatus, statusRank } from '../../../channels/sms/status';

describe('parseTwilioStatusCallback', () => {
  it('reads status and error code', () => {
    expect(
      parseTwilioStatusCallback({ MessageSid: 'SM1', MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '30003' }),
    ).toEqual({ providerId: 'SM1', status: 'undelivered', errorCode: 30003 });
    expect(parseTwilioStatusCallback({ MessageSid: 'SM1', MessageStatus: 'delivered' })).toEqual({
      providerId: 'SM1',
      status: 'delivered',
      errorCode: null,
    });
    expect(parseTwilioStatusCallback({ MessageSid: 'SM1', SmsStatus: 'sent' }).status).toBe('sent');
  });

  it('refuses a callback without sid or with an unknown status', () => {
    expect(() => parseTwilioStatusCallback({ MessageStatus: 'sent' })).toThrowError(/MessageSid/);
    expect(() => parseTwilioStatusCallback({ MessageSid: 'SM1' })).toThrowError(/MessageStatus/);
    expect(() => parseTwilioStatusCallback({ MessageSid: 'SM1', MessageStatus: 'exploded' })).toThrowError(/MessageStatus/);
  });
});

describe('out-of-order status callbacks', () => {
  function replay(callbacks: string[]): string | null {
    let stored: string | null = null;
    for (const status of callbacks) if (shouldApplyStatus(stored, status)) stored = status;
    return stored;
  }

  it('a late "sent" never overwrites "delivered"', () => {
    expect(replay(['queued', 'delivered', 'sent'])).toBe('delivered');
    expect(replay(['delivered', 'queued', 'sending', 'sent'])).toBe('delivered');
  });

  it('the first terminal outcome stays', () => {
    expect(replay(['sent', 'undelivered', 'delivered'])).toBe('undelivered');
    expect(replay(['queued', 'failed', 'sent'])).toBe('failed');
  });

  it('ranks the lifecycle in order', () => {
    const lifecycle = ['accepted', 'queued', 'sending', 'sent', 'delivered'];
    const ranks = lifecycle.map(statusRank);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(statusRank('whatever')).toBeLessThan(statusRank('accepted'));
  });
});
