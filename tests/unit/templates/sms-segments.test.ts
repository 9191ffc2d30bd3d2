import { describe, expect, it } from 'vitest';
import { gsmPunctuation, isGsm7, smsSegments } from '../../../templates/index.js';

describe('smsSegments', () => {
  it('fits 160 plain ASCII characters in one GSM-7 segment and splits at 161', () => {
    expect(smsSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', count: 1, characters: 160, warnings: [] });
    expect(smsSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', count: 2, characters: 161 });
    expect(smsSegments('a'.repeat(306)).count).toBe(2);
    expect(smsSegments('a'.repeat(307)).count).toBe(3);
  });

  it('keeps é, ñ, ü, ¿ and ¡ in GSM-7 (GSM 03.38 basic table)', () => {
    for (const text of ['café', 'mañana', 'pingüino', '¿Preguntas?', '¡Listo!', 'Él']) {
      expect(smsSegments(text).encoding, text).toBe('GSM-7');
    }
  });

  it('turns á, í, ó and ú into UCS-2: the basic table has only à, ì, ò and ù', () => {
    for (const ch of ['á', 'í', 'ó', 'ú', 'Á', 'ç']) {
      const s = smsSegments(`Su cita ${ch}`);
      expect(s.encoding, ch).toBe('UCS-2');
      expect(s.unicodeCharacters).toEqual([ch]);
    }
    expect(isGsm7('ò')).toBe(true);
  });

  it('counts UCS-2 at 70 per message and 67 per part', () => {
    expect(smsSegments('ó'.repeat(70))).toMatchObject({ encoding: 'UCS-2', count: 1, characters: 70 });
    expect(smsSegments('ó'.repeat(71)).count).toBe(2);
    expect(smsSegments('ó'.repeat(134)).count).toBe(2);
    expect(smsSegments('ó'.repeat(135)).count).toBe(3);
  });

  it('makes an emoji UCS-2, two code units, never split across parts', () => {
    const s = smsSegments('See you soon 😀');
    expect(s).toMatchObject({ encoding: 'UCS-2', count: 1, characters: 15 });
    // 66 units then an emoji: the pair cannot straddle the 67-unit boundary
    expect(smsSegments(`${'a'.repeat(66)}😀${'b'.repeat(66)}`).count).toBe(3);
  });

  it('counts extension characters (€ { } [ ] ~ ^ | \\) as two septets', () => {
    expect(smsSegments('€')).toMatchObject({ encoding: 'GSM-7', characters: 2 });
    expect(smsSegments('{}')).toMatchObject({ encoding: 'GSM-7', characters: 4 });
    expect(smsSegments('a'.repeat(158) + '€').count).toBe(1);
    expect(smsSegments('a'.repeat(159) + '€').count).toBe(2);
    // an escape pair is not split: 152 septets + € needs a second part
    expect(smsSegments('a'.repeat(152) + '€' + 'a'.repeat(10)).count).toBe(2);
    expect(smsSegments('a'.repeat(152) + '€'.repeat(80)).count).toBe(3);
  });

  it('warns above two segments and names the characters that forced UCS-2', () => {
    expect(smsSegments('a'.repeat(306)).warnings).toEqual([]);
    expect(smsSegments('a'.repeat(307)).warnings[0]).toMatch(/3 SMS segments/);
    const w = smsSegments(`${'a'.repeat(140)} ó`).warnings[0];
    expect(w).toMatch(/UCS-2 because of "ó"/);
  });

  it('replaces curly quotes, dashes and odd spaces the way carrier smart encoding does, never letters', () => {
    const text = gsmPunctuation('It\u2019s 3:00\u202FPM \u2013 \u201Csee you\u201D\u2026 María');
    expect(text).toBe('It\'s 3:00 PM - "see you"... María');
  });
});
