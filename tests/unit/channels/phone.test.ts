import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { normalisePhone } from '../../../channels/sms/phone';

/** what normalisePhone answered before its shortcut for North American E.164 numbers */
function byTheLibrary(raw: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), 'US');
  return parsed && parsed.isPossible() ? parsed.number : null;
}

describe('normalisePhone', () => {
  it('answers a North American E.164 number (as Twilio posts it) as the library does', () => {
    const nanp = fc
      .tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 2, max: 9 }), fc.integer({ min: 0, max: 999_999 }))
      .map(([a, b, c, d]) => `+1${a}${String(b).padStart(2, '0')}${c}${String(d).padStart(6, '0')}`);
    fc.assert(
      fc.property(nanp, (raw) => {
        expect(normalisePhone(raw)).toBe(byTheLibrary(raw));
        expect(normalisePhone(raw)).toBe(raw);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves every other shape to the library', () => {
    for (const raw of ['+1 415 555 0100', '(415) 555-0100', '4155550100', '+11155550100', '+447911123456', '+1415555010', '12345', 'abc', ' +14155550100 ']) {
      expect(normalisePhone(raw)).toBe(byTheLibrary(raw));
    }
    expect(normalisePhone('')).toBeNull();
  });
});
