import { describe, expect, it } from 'vitest';
import { decideMissedCallTextBack } from '../../src/intake/voice/missed-call';
import { localDay, nextOutreachTime, zonedTime } from '../../src/platform/time';

const ny = 'America/New_York';
const base = { timeZone: ny, lastTextBackAt: null, canTextBack: true, revoked: false };

describe('decideMissedCallTextBack', () => {
  it('sends at once inside 08:00-21:00 local', () => {
    const now = new Date('2026-06-10T14:30:00Z'); // 10:30 EDT
    expect(decideMissedCallTextBack({ ...base, now })).toEqual({ send: true, at: now });
  });

  it('waits for 08:00 when the call comes at night, before or after midnight', () => {
    expect(decideMissedCallTextBack({ ...base, now: new Date('2026-06-11T02:00:00Z') })) // 22:00 EDT
      .toEqual({ send: true, at: new Date('2026-06-11T12:00:00Z') });
    expect(decideMissedCallTextBack({ ...base, now: new Date('2026-06-11T09:00:00Z') })) // 05:00 EDT
      .toEqual({ send: true, at: new Date('2026-06-11T12:00:00Z') });
    expect(decideMissedCallTextBack({ ...base, now: new Date('2026-06-11T01:00:00Z') })) // 21:00 sharp
      .toEqual({ send: true, at: new Date('2026-06-11T12:00:00Z') });
    expect(decideMissedCallTextBack({ ...base, now: new Date('2026-06-11T00:59:59Z') }).send).toBe(true); // 20:59:59
  });

  it('uses the patient zone, not UTC', () => {
    const now = new Date('2026-06-10T14:30:00Z'); // 10:30 in New York, 07:30 in Los Angeles
    expect(decideMissedCallTextBack({ ...base, now, timeZone: 'America/Los_Angeles' })).toEqual({
      send: true,
      at: new Date('2026-06-10T15:00:00Z'),
    });
  });

  it('texts a caller once per local day', () => {
    const now = new Date('2026-06-10T20:00:00Z'); // 16:00 EDT
    expect(decideMissedCallTextBack({ ...base, now, lastTextBackAt: new Date('2026-06-10T13:00:00Z') })).toEqual({
      send: false,
      reason: 'already_sent_today',
    });
    // yesterday evening (local) is another day, though less than 24 h ago
    expect(decideMissedCallTextBack({ ...base, now, lastTextBackAt: new Date('2026-06-10T00:30:00Z') }).send).toBe(true);
  });

  it('two calls in one night share the one 08:00 text', () => {
    const first = decideMissedCallTextBack({ ...base, now: new Date('2026-06-11T03:00:00Z') });
    expect(first.send).toBe(true);
    const scheduledAt = first.send ? first.at : null;
    expect(decideMissedCallTextBack({ ...base, now: new Date('2026-06-11T05:00:00Z'), lastTextBackAt: scheduledAt })).toEqual({
      send: false,
      reason: 'already_sent_today',
    });
  });

  it('a late call after a morning text-back gets tomorrow 08:00', () => {
    const now = new Date('2026-06-11T03:30:00Z'); // 23:30 EDT on the 10th
    expect(decideMissedCallTextBack({ ...base, now, lastTextBackAt: new Date('2026-06-10T14:00:00Z') })).toEqual({
      send: true,
      at: new Date('2026-06-11T12:00:00Z'),
    });
  });

  it('never texts a revoked or non-textable number', () => {
    const now = new Date('2026-06-10T14:30:00Z');
    expect(decideMissedCallTextBack({ ...base, now, revoked: true })).toEqual({ send: false, reason: 'revoked' });
    expect(decideMissedCallTextBack({ ...base, now, canTextBack: false })).toEqual({ send: false, reason: 'not_textable' });
  });
});

describe('across daylight saving time', () => {
  it('spring forward: a call at 23:00 EST before the change is texted at 08:00 EDT', () => {
    // 2026-03-08 02:00 EST -> 03:00 EDT
    expect(nextOutreachTime(new Date('2026-03-08T04:00:00Z'), ny)).toEqual(new Date('2026-03-08T12:00:00Z')); // 23:00 EST Mar 7
    expect(nextOutreachTime(new Date('2026-03-08T07:30:00Z'), ny)).toEqual(new Date('2026-03-08T12:00:00Z')); // 03:30 EDT
  });

  it('fall back: 08:00 EST after the change', () => {
    // 2026-11-01 02:00 EDT -> 01:00 EST
    expect(nextOutreachTime(new Date('2026-11-01T05:30:00Z'), ny)).toEqual(new Date('2026-11-01T13:00:00Z')); // 01:30 EDT
    expect(nextOutreachTime(new Date('2026-11-01T06:30:00Z'), ny)).toEqual(new Date('2026-11-01T13:00:00Z')); // 01:30 EST (again)
    expect(nextOutreachTime(new Date('2026-11-01T12:59:00Z'), ny)).toEqual(new Date('2026-11-01T13:00:00Z')); // 07:59 EST
    expect(nextOutreachTime(new Date('2026-11-01T13:00:00Z'), ny)).toEqual(new Date('2026-11-01T13:00:00Z'));
  });

  it('21:00 is local on both sides of the change', () => {
    expect(nextOutreachTime(new Date('2026-03-09T00:59:00Z'), ny)).toEqual(new Date('2026-03-09T00:59:00Z')); // 20:59 EDT Mar 8
    expect(nextOutreachTime(new Date('2026-03-09T01:00:00Z'), ny)).toEqual(new Date('2026-03-09T12:00:00Z')); // 21:00 EDT
    expect(nextOutreachTime(new Date('2026-11-02T02:00:00Z'), ny)).toEqual(new Date('2026-11-02T13:00:00Z')); // 21:00 EST Nov 1
  });

  it('zonedTime and localDay agree with the zone, month ends included', () => {
    expect(zonedTime(ny, 2026, 1, 32, 8)).toEqual(new Date('2026-02-01T13:00:00Z'));
    expect(zonedTime('Europe/Madrid', 2026, 3, 29, 8)).toEqual(new Date('2026-03-29T06:00:00Z')); // CEST since 02:00
    expect(localDay(new Date('2026-06-11T03:00:00Z'), ny)).toBe('2026-06-10');
    expect(localDay(new Date('2026-06-11T03:00:00Z'), 'UTC')).toBe('2026-06-11');
  });
});
