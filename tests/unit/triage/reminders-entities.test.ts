import { describe, expect, it } from 'vitest';
import { loadDefaultTriage } from '../../../triage/index.js';

const triage = loadDefaultTriage();

describe('reminder answers', () => {
  const cases: [string, string][] = [
    ['C', 'appointment_confirm'], ['c', 'appointment_confirm'], ['X', 'appointment_cancel'], ['R', 'appointment_reschedule'],
    ['yes I\'ll be there', 'appointment_confirm'], ['sí, confirmo', 'appointment_confirm'], ['SI', 'appointment_confirm'],
    ['cancelar', 'appointment_cancel'], ['reprogramar', 'appointment_reschedule'], ['STOP', 'opt_out'],
  ];
  for (const [text, intent] of cases) it(`"${text}" -> ${intent}`, () => expect(triage.triage({ text }).intent).toBe(intent));
});

describe('entities with fixed clocks and time zones', () => {
  // Tuesday 1 December 2026, 12:00 in New York
  const receivedAt = new Date('2026-12-01T17:00:00Z');
  it('"next Tuesday at 3" in America/New_York', () => {
    const r = triage.triage({ text: 'can I come next Tuesday at 3', receivedAt, timeZone: 'America/New_York' });
    expect(r.entities.dates).toEqual(['2026-12-08T15:00:00-05:00']);
  });
  it('"el martes a las 3" in Spanish', () => {
    const r = triage.triage({ text: 'puedo ir el martes a las 3?', receivedAt, timeZone: 'America/New_York' });
    expect(r.language).toBe('es');
    expect(r.entities.dates).toEqual(['2026-12-08T15:00:00-05:00']);
  });
  it('respects another zone', () => {
    const r = triage.triage({ text: 'tomorrow at 10:30am', receivedAt, timeZone: 'America/Los_Angeles' });
    expect(r.entities.dates).toEqual(['2026-12-02T10:30:00-08:00']);
  });
  it('medication, strength, pharmacy, DOB, callback', () => {
    const r = triage.triage({
      text: 'Hi this is Ann, DOB 3/14/1962, I need my lisinopril 10 mg sent to CVS on Main St, call me at 617-555-0142',
      receivedAt,
      timeZone: 'America/New_York',
    });
    expect(r.entities.medications).toEqual(['lisinopril']);
    expect(r.entities.medicationDetails).toEqual([{ name: 'lisinopril', strength: '10 mg', mentioned: 'lisinopril' }]);
    expect(r.entities.pharmacy).toBe('CVS on Main St');
    expect(r.entities.dateOfBirth).toBe('1962-03-14');
    expect(r.entities.callbackNumber).toBe('+16175550142');
  });
  it('spoken callback number in a voicemail', () => {
    const r = triage.triage({ text: 'hi its maria my number is six one seven five five five zero one four two thanks', channel: 'voice' });
    expect(r.entities.callbackNumber).toBe('+16175550142');
  });
});
