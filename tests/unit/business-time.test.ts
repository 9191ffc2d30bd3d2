import { describe, expect, it } from 'vitest';
import { addBusinessMinutes } from '../../src/platform/time';
import type { BusinessHours } from '../../src/platform/db/schema';

const weekdays9to5: BusinessHours = {
  weekly: { mon: [{ open: '09:00', close: '17:00' }], tue: [{ open: '09:00', close: '17:00' }], wed: [{ open: '09:00', close: '12:00' }, { open: '13:00', close: '17:00' }], thu: [{ open: '09:00', close: '17:00' }], fri: [{ open: '09:00', close: '17:00' }] },
  closedDates: ['2026-12-25'],
};
const ny = 'America/New_York';

describe('business minutes', () => {
  it('counts inside one open interval', () => {
    // Mon 2026-11-23 10:00 EST = 15:00Z
    expect(addBusinessMinutes(new Date('2026-11-23T15:00:00Z'), 60, weekdays9to5, ny).toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });
  it('carries over the night and the weekend', () => {
    // Fri 16:30 + 60 min -> Mon 09:30
    expect(addBusinessMinutes(new Date('2026-11-27T21:30:00Z'), 60, weekdays9to5, ny).toISOString()).toBe('2026-11-30T14:30:00.000Z');
  });
  it('starts at opening when asked outside hours, and skips a lunch break', () => {
    // Wed 06:00 + 4 h -> 09:00..12:00 (3 h) then 13:00 + 1 h = 14:00
    expect(addBusinessMinutes(new Date('2026-11-25T11:00:00Z'), 240, weekdays9to5, ny).toISOString()).toBe('2026-11-25T19:00:00.000Z');
  });
  it('skips closed dates', () => {
    // Thu 2026-12-24 16:00 + 2 h -> Fri is closed (25th) -> Mon 28th 10:00
    expect(addBusinessMinutes(new Date('2026-12-24T21:00:00Z'), 120, weekdays9to5, ny).toISOString()).toBe('2026-12-28T15:00:00.000Z');
  });
  it('keeps local opening hours across a daylight-saving change', () => {
    // Fri 2026-10-30 16:00 EDT (20:00Z) + 2 h -> Mon 2026-11-02 10:00 EST (15:00Z)
    expect(addBusinessMinutes(new Date('2026-10-30T20:00:00Z'), 120, weekdays9to5, ny).toISOString()).toBe('2026-11-02T15:00:00.000Z');
  });
  it('counts plain time for a practice with no hours', () => {
    expect(addBusinessMinutes(new Date('2026-11-23T15:00:00Z'), 30, { weekly: {}, closedDates: [] }, ny).toISOString()).toBe('2026-11-23T15:30:00.000Z');
  });
});
