import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { sendingNumber } from '../../src/outreach/deliver/sms';
import type { DeliveryContext } from '../../src/outreach/deliver/types';

const numbers = ['+14155550103', '+14155550101', '+14155550102'];
const ctx = (patientId: string, opts: { last?: string | null; from?: string; addresses?: string[] } = {}) =>
  ({
    patient: { id: patientId },
    message: { meta: opts.from ? { from: opts.from } : {} },
    lastPracticeAddress: opts.last ?? null,
    practiceAddresses: [
      ...(opts.addresses ?? numbers).map((value) => ({ kind: 'phone', value, sms: true, voice: true })),
      { kind: 'phone', value: '+14155550199', sms: false, voice: true },
      { kind: 'email', value: 'front@example.com', sms: false, voice: false },
    ],
  }) as unknown as DeliveryContext;

describe('the number a text goes from', () => {
  it('is the one the message names, else the one the patient wrote to, and never a number that cannot text', () => {
    expect(sendingNumber(ctx(randomUUID(), { from: '+14155550102', last: '+14155550103' }))).toBe('+14155550102');
    expect(sendingNumber(ctx(randomUUID(), { last: '+14155550103' }))).toBe('+14155550103');
    expect(sendingNumber(ctx(randomUUID(), { last: '+14155550199' }))).not.toBe('+14155550199');
    expect(sendingNumber(ctx(randomUUID(), { addresses: [] }))).toBeNull();
  });

  it('for a patient who never wrote: always the same number for the same patient, whatever order the numbers come in', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.shuffledSubarray(numbers, { minLength: 3, maxLength: 3 }), (id, order) => {
        const first = sendingNumber(ctx(id));
        expect(numbers).toContain(first);
        expect(sendingNumber(ctx(id, { addresses: order }))).toBe(first);
      }),
    );
  });

  it("spreads first-time texts over all of a practice's numbers (each gets a fair share of 3,000 patients)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const n = sendingNumber(ctx(randomUUID()))!;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...numbers].sort());
    for (const c of counts.values()) expect(c).toBeGreaterThan(800);
  });
});
