import { describe, expect, it } from 'vitest';
import {
  getTemplateSource,
  listTemplates,
  renderTemplate,
  sampleVars,
  TemplateError,
  templateId,
  validateTemplate,
  type TemplateVars,
} from '../../../templates/index.js';

const timeZone = 'America/Chicago';
const vars = (purpose: Parameters<typeof sampleVars>[0]) => sampleVars(purpose) as TemplateVars;

describe('every shipped template', () => {
  for (const key of listTemplates()) {
    it(`${templateId(key)} validates and renders with sample values`, () => {
      expect(validateTemplate(getTemplateSource(key)!, key)).toEqual([]);
      const r = renderTemplate({ ...key, vars: vars(key.purpose), timeZone });
      expect(r.key).toEqual(key);
      expect(r.text.length).toBeGreaterThan(20);
      expect(r.text).not.toMatch(/\{\{|\}\}|undefined|null|NaN|Invalid Date|\.\./);
      if (key.channel === 'email') {
        expect(r.subject).toBeTruthy();
        expect(r.subject).not.toMatch(/\n/);
        expect(r.html).toMatch(/^<p>/);
      } else {
        expect(r.subject).toBeUndefined();
      }
      if (key.channel === 'sms') {
        expect(r.text).not.toMatch(/&amp;|&lt;|&#/);
        expect(r.segments!.count).toBeLessThanOrEqual(2);
        expect(r.warnings).toEqual([]);
        // the carrier opt-out word is never offered as an answer
        expect(r.text).not.toMatch(/\bCANCEL\b/);
      }
    });
  }

  it('keeps every SMS in GSM-7 with the sample values (Spanish included)', () => {
    for (const key of listTemplates().filter((k) => k.channel === 'sms')) {
      expect(renderTemplate({ ...key, vars: vars(key.purpose), timeZone }).segments!.encoding, templateId(key)).toBe('GSM-7');
    }
  });
});

describe('emergency and acknowledgements', () => {
  it('tells the patient to call 911 and, for thoughts of suicide, call or text 988, in both languages', () => {
    const en = renderTemplate({ purpose: 'emergency', language: 'en', channel: 'sms', vars: vars('emergency') }).text;
    expect(en).toMatch(/call 911 now/);
    expect(en).toMatch(/thoughts of suicide, call or text 988/);
    const es = renderTemplate({ purpose: 'emergency', language: 'es', channel: 'sms', vars: vars('emergency') }).text;
    expect(es).toMatch(/llame al 911 ahora/);
    expect(es).toMatch(/suicidio, llame o mande un texto al 988/);
  });

  it('promises a nurse call today for urgent messages', () => {
    expect(renderTemplate({ purpose: 'urgent_ack', language: 'en', channel: 'sms', vars: vars('urgent_ack') }).text).toMatch(
      /A nurse will call you today/,
    );
  });
});

describe('language', () => {
  it('falls back to English for a language without templates, and maps es-MX to Spanish', () => {
    const fr = renderTemplate({ purpose: 'hours', language: 'fr', channel: 'sms', vars: vars('hours') });
    expect(fr.key.language).toBe('en');
    expect(fr.text).toMatch(/is open Mon-Thu 8:00 AM-5:00 PM; Fri 8:00 AM-12:00 PM/);
    expect(renderTemplate({ purpose: 'hours', language: null, channel: 'sms', vars: vars('hours') }).key.language).toBe('en');
    const mx = renderTemplate({ purpose: 'hours', language: 'es-MX', channel: 'sms', vars: vars('hours') });
    expect(mx.key.language).toBe('es');
    expect(mx.text).toMatch(/lun-jue 8:00 a\.m\.-5:00 p\.m\./);
  });

  it('writes "a la 1:00" but "a las 3:30" in Spanish', () => {
    const at = (startsAt: string) =>
      renderTemplate({ purpose: 'appointment_reminder', language: 'es', channel: 'voice', vars: { ...vars('appointment_reminder'), appointment: { startsAt } }, timeZone }).text;
    expect(at('2026-12-03T13:00:00-06:00')).toMatch(/a la 1:00 p\.m\./);
    expect(at('2026-12-03T15:30:00-06:00')).toMatch(/a las 3:30 p\.m\./);
  });

  it('shows dates in the patient time zone, across a daylight-saving change', () => {
    const text = (startsAt: string, tz: string) =>
      renderTemplate({ purpose: 'appointment_confirmed', language: 'en', channel: 'sms', vars: { ...vars('appointment_confirmed'), appointment: { startsAt } }, timeZone: tz }).text;
    expect(text('2026-11-02T15:00:00Z', 'America/New_York')).toMatch(/Mon, Nov 2 at 10:00 AM/);
    expect(text('2026-10-30T14:00:00Z', 'America/New_York')).toMatch(/Fri, Oct 30 at 10:00 AM/);
    expect(text('2026-11-02T15:00:00Z', 'America/Los_Angeles')).toMatch(/Mon, Nov 2 at 7:00 AM/);
  });
});

describe('missing values', () => {
  it('throws naming the variable instead of sending a blank', () => {
    const v = vars('appointment_reminder');
    const call = () =>
      renderTemplate({ purpose: 'appointment_reminder', language: 'en', channel: 'sms', vars: { ...v, patient: {} }, timeZone });
    expect(call).toThrow(TemplateError);
    expect(call).toThrow(/missing variable "patient\.firstName" \(body, line 1, column \d+\)/);
    try {
      call();
    } catch (err) {
      expect((err as TemplateError).code).toBe('missing_variable');
      expect((err as TemplateError).details.variable).toBe('patient.firstName');
    }
  });

  it('treats null and empty strings as missing, and a missing parent object too', () => {
    const v = vars('hours');
    expect(() => renderTemplate({ purpose: 'fax', language: 'es', channel: 'sms', vars: { ...v, practice: { ...v.practice, fax: '  ' } } })).toThrow(
      /missing variable "practice\.fax"/,
    );
    expect(() => renderTemplate({ purpose: 'help', language: 'en', channel: 'sms', vars: {} })).toThrow(/missing variable "practice\.name"/);
  });

  it('checks every element of a list', () => {
    const v = vars('appointment_reschedule_offer');
    const slots = [{ number: 1, startsAt: '2026-12-04T09:00:00-06:00' }, { number: 2 }];
    expect(() =>
      renderTemplate({ purpose: 'appointment_reschedule_offer', language: 'en', channel: 'sms', vars: { ...v, slots } as TemplateVars, timeZone }),
    ).toThrow(/missing variable "slots\[\]\.startsAt"/);
  });

  it('names the time zone and the value when a date cannot be shown', () => {
    const v = vars('appointment_reminder');
    expect(() => renderTemplate({ purpose: 'appointment_reminder', language: 'en', channel: 'sms', vars: v })).toThrow(/no time zone/);
    expect(() =>
      renderTemplate({ purpose: 'appointment_reminder', language: 'en', channel: 'sms', vars: { ...v, appointment: { startsAt: 'tomorrow-ish' } }, timeZone }),
    ).toThrow(/"appointment\.startsAt": not a date/);
  });

  it('lets a guarded optional value be absent', () => {
    const v = vars('appointment_confirmed');
    const r = renderTemplate({ purpose: 'appointment_confirmed', language: 'en', channel: 'email', vars: { ...v, appointment: { startsAt: '2026-12-03T15:30:00-06:00' } }, timeZone });
    expect(r.text).toMatch(/Your appointment on Thursday, December 3 at 3:30 PM is confirmed/);
  });
});

describe('appointment reminders', () => {
  const full = {
    ...vars('appointment_reminder'),
    appointment: { startsAt: '2026-12-03T15:30:00-06:00', provider: 'Dr. Ana Ruiz', type: 'Dermatology follow-up', reason: 'rash' },
  } as TemplateVars;

  it('carry only first name, date, time, practice name and phone: never provider, type or reason', () => {
    for (const key of listTemplates().filter((k) => k.purpose === 'appointment_reminder')) {
      const r = renderTemplate({ ...key, vars: full, timeZone });
      const all = `${r.subject ?? ''}\n${r.text}`;
      expect(all, templateId(key)).not.toMatch(/Ruiz|Dermatology|rash/i);
      expect(all).toContain('Maria');
      expect(all).toContain('Riverside Family Medicine');
      expect(all).toMatch(/3:30/);
      if (key.channel !== 'voice') expect(all).toContain('(555) 201-4400');
    }
  });

  it('ask for C, X or R (1, 2, 3 by phone) and never suggest CANCEL', () => {
    const en = renderTemplate({ purpose: 'appointment_reminder', language: 'en', channel: 'sms', vars: full, timeZone }).text;
    expect(en).toMatch(/Reply C to confirm, X to cancel or R to reschedule/);
    const es = renderTemplate({ purpose: 'appointment_reminder', language: 'es', channel: 'sms', vars: full, timeZone }).text;
    expect(es).toMatch(/Responda C para confirmar, X para cancelar o R para cambiar la fecha/);
    const voice = renderTemplate({ purpose: 'appointment_reminder', language: 'es', channel: 'voice', vars: full, timeZone }).text;
    expect(voice).toMatch(/oprima 1.*oprima 2.*oprima 3/);
    for (const t of [en, es]) expect(t).not.toMatch(/\bCANCEL\b/);
  });

  it('fit in two GSM-7 segments for a typical practice name, every day of the week, both languages', () => {
    const practice = { ...full.practice, name: 'Northside Pediatrics & Family Care', phone: '(312) 555-0199' };
    for (let day = 0; day < 7; day++) {
      const startsAt = new Date(Date.UTC(2026, 11, 7 + day, 18, 45)).toISOString();
      for (const language of ['en', 'es']) {
        const r = renderTemplate({
          purpose: 'appointment_reminder',
          language,
          channel: 'sms',
          vars: { practice, patient: { firstName: 'Guadalupe' }, appointment: { startsAt } },
          timeZone: 'America/Chicago',
        });
        expect(r.segments, `${language} ${r.text}`).toMatchObject({ encoding: 'GSM-7' });
        expect(r.segments!.count).toBeLessThanOrEqual(2);
        expect(r.warnings).toEqual([]);
      }
    }
  });

  it('counts an accented first name honestly: UCS-2, with a warning when it no longer fits', () => {
    const r = renderTemplate({ purpose: 'appointment_reminder', language: 'es', channel: 'sms', vars: { ...full, patient: { firstName: 'María' } }, timeZone });
    expect(r.segments!.encoding).toBe('UCS-2');
    expect(r.segments!.unicodeCharacters).toEqual(['í']);
    expect(r.warnings[0]).toMatch(/UCS-2 because of "í"/);
  });
});

describe('escaping', () => {
  const evil = { ...vars('address'), practice: { ...vars('address').practice, name: 'Dr <script>alert(1)</script> & "Sons"' } } as TemplateVars;

  it('escapes variables in the HTML of an email, and only there', () => {
    const r = renderTemplate({ purpose: 'address', language: 'en', channel: 'email', vars: evil });
    expect(r.html).toContain('Dr &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Sons&quot;');
    expect(r.html).not.toContain('<script>');
    expect(r.text).toContain('Dr <script>alert(1)</script> & "Sons"');
    const sms = renderTemplate({ purpose: 'address', language: 'en', channel: 'sms', vars: evil });
    expect(sms.text).toContain('& "Sons"');
    expect(sms.text).not.toContain('&amp;');
  });

  it('escapes markup written into an override too, and links only http(s) URLs', () => {
    const r = renderTemplate({
      purpose: 'portal_signup',
      language: 'en',
      channel: 'email',
      vars: vars('portal_signup'),
      override: { subject: 'Portal', body: '<img src=x onerror=alert(1)> Sign up: {{practice.portalUrl}}.\n\njavascript:alert(1)' },
    });
    expect(r.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(r.html).toContain('<a href="https://portal.riversidefm.example/signup">https://portal.riversidefm.example/signup</a>.');
    expect(r.html).not.toMatch(/href="javascript/);
  });

  it('keeps a subject on one line', () => {
    const r = renderTemplate({
      purpose: 'hours',
      language: 'en',
      channel: 'email',
      vars: { ...vars('hours'), practice: { ...vars('hours').practice, name: 'Clinic\r\nBcc: x@example.com' } },
      override: 'Subject: Hours at {{practice.name}}\n\nWe are open {{hours practice.hours}}.',
    });
    expect(r.subject).toBe('Hours at Clinic Bcc: x@example.com');
  });
});

describe('overrides', () => {
  it('renders a valid practice override instead of the file', () => {
    const r = renderTemplate({
      purpose: 'hours',
      language: 'es',
      channel: 'sms',
      vars: vars('hours'),
      override: 'Estamos abiertos {{hours practice.hours}}. Tel {{practice.phone}}',
    });
    expect(r.text).toBe('Estamos abiertos lun-jue 8:00 a.m.-5:00 p.m.; vie 8:00 a.m.-12:00 p.m. Tel (555) 201-4400');
  });

  it('refuses to render an override that fails validation', () => {
    expect(() =>
      renderTemplate({ purpose: 'hours', language: 'en', channel: 'sms', vars: vars('hours'), override: 'Hi {{patient.lastName}}' }),
    ).toThrow(/patient\.lastName.*not allowed in sms/);
  });

  it('fails with not_found for a channel the purpose does not have', () => {
    expect(() => renderTemplate({ purpose: 'help', language: 'en', channel: 'email', vars: vars('help') })).toThrow(/help has no email template/);
  });

  it('warns when an override makes an SMS longer than two segments', () => {
    const r = renderTemplate({ purpose: 'hours', language: 'en', channel: 'sms', vars: vars('hours'), override: `${'Open. '.repeat(60)}{{practice.phone}}` });
    expect(r.segments!.count).toBe(3);
    expect(r.warnings[0]).toMatch(/3 SMS segments/);
  });
});
