import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDateOfBirth, parsePatientQuery } from '../../src/patients/patient-query';

const now = new Date('2026-01-05T00:00:00Z');
const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const meses = ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'];

describe('reading a search box', () => {
  it('any real date of birth written the usual ways reads back as the same day', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const y = d.getUTCFullYear();
        const m = d.getUTCMonth() + 1;
        const day = d.getUTCDate();
        const iso = d.toISOString().slice(0, 10);
        const forms = [iso, `${m}/${day}/${y}`, `${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}-${y}`, `${monthNames[m - 1]} ${day}, ${y}`, `${day} de ${meses[m - 1]} de ${y}`];
        if (day > 12) forms.push(`${day}/${m}/${y}`);
        for (const f of forms) expect(parseDateOfBirth(f, now), f).toBe(iso);
      }),
    );
  });

  it('a US number in any format reads as the same E.164 number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 201, max: 989 }), fc.integer({ min: 200, max: 999 }), fc.integer({ min: 0, max: 9999 }), (area, exchange, line) => {
        const l = String(line).padStart(4, '0');
        const forms = [`(${area}) ${exchange}-${l}`, `${area}.${exchange}.${l}`, `+1 ${area} ${exchange} ${l}`, `1-${area}-${exchange}-${l}`, `${area}${exchange}${l}`];
        const read = forms.map((f) => parsePatientQuery(f, now));
        const first = read[0]!;
        if (first.kind !== 'phone') throw new Error('not read as a phone');
        for (const r of read) expect(r).toMatchObject({ kind: 'phone', e164: first.e164 });
      }),
    );
  });

  it('two-digit years of birth in the future are last century; impossible dates are not dates', () => {
    expect(parseDateOfBirth('3/14/80', now)).toBe('1980-03-14');
    expect(parseDateOfBirth('3/14/05', now)).toBe('2005-03-14');
    expect(parseDateOfBirth('2/30/1980', now)).toBeNull();
    expect(parsePatientQuery('Smith 2/30/1980', now)).toMatchObject({ kind: 'person', dateOfBirth: null });
  });

  it('names are folded (case, accents), emails lower-cased, and last digits are a phone search', () => {
    expect(parsePatientQuery('  JOSÉ   Núñez ', now)).toEqual({ kind: 'person', names: ['jose', 'nunez'], dateOfBirth: null });
    expect(parsePatientQuery('Ana.Ruiz@Example.COM', now)).toEqual({ kind: 'email', email: 'ana.ruiz@example.com' });
    expect(parsePatientQuery('0142', now)).toEqual({ kind: 'phone', e164: null, digits: '0142' });
  });
});
