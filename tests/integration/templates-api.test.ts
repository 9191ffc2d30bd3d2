import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, templates } from '../../src/platform/db/schema';
import { renderForPractice } from '../../src/outreach/templates';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let manager: string;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db);
  manager = await tokenFor(h.runtime.deps.db, 'manager', p.id);
});
afterAll(() => h.close());

type Template = { purpose: string; language: string; channel: string; default: { body: string; subject: string | null }; override: { body: string; subject: string | null } | null; allowedVariables: string[] };
type ErrorBody = { error: { code: string; message: string } };

async function listed(purpose: string, language: string, channel: string, token = manager) {
  const res = await h.request('GET', `/api/v1/templates?practiceId=${p.id}`, { token });
  expect(res.status).toBe(200);
  const list = (await res.json()) as { data: Template[]; nextCursor: null };
  return list.data.find((t) => t.purpose === purpose && t.language === language && t.channel === channel)!;
}

describe('templates API', () => {
  it('lists every template with its default, the override and the variables it may use', async () => {
    const res = await h.request('GET', `/api/v1/templates?practiceId=${p.id}`, { token: manager });
    const list = (await res.json()) as { data: Template[] };
    expect(list.data.length).toBeGreaterThan(100);
    const hours = list.data.find((t) => t.purpose === 'hours' && t.language === 'es' && t.channel === 'sms')!;
    expect(hours.default.body).toContain('{{practice.name}}');
    expect(hours.override).toBeNull();
    expect(hours.allowedVariables).toContain('patient.firstName');
    expect(hours.allowedVariables).not.toContain('patient.lastName');
    // works with no query parameters too
    expect((await h.request('GET', '/api/v1/templates', { token: manager })).status).toBe(200);
  });

  it('saves an override that renderForPractice then uses, with the practice values; DELETE goes back to the file', async () => {
    const db = h.runtime.deps.db;
    const put = await h.request('PUT', '/api/v1/templates/hours/en/sms', {
      token: manager,
      body: { practiceId: p.id, body: '{{practice.name}}: we are open {{hours practice.hours}}. Questions? {{practice.phone}}' },
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as Template).override?.body).toContain('we are open');
    expect((await listed('hours', 'en', 'sms')).override).not.toBeNull();

    const rendered = await renderForPractice(db, { practiceId: p.id, purpose: 'hours', language: 'en', channel: 'sms' });
    expect(rendered.overridden).toBe(true);
    expect(rendered.text).toBe(`${p.name}: we are open Mon 8:00 AM-5:00 PM. Questions? ${p.mainPhone}`);
    expect(rendered.segments?.encoding).toBe('GSM-7');
    // the patient's language picks the template: Spanish still uses the file
    expect((await renderForPractice(db, { practiceId: p.id, purpose: 'hours', language: 'es', channel: 'sms' })).overridden).toBe(false);

    const [a] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'template.update'), eq(auditEvents.practiceId, p.id)));
    expect(a?.detail).toMatchObject({ purpose: 'hours', language: 'en', channel: 'sms' });

    const del = await h.request('DELETE', `/api/v1/templates/hours/en/sms?practiceId=${p.id}`, { token: manager });
    expect(del.status).toBe(200);
    expect(((await del.json()) as Template).override).toBeNull();
    const back = await renderForPractice(db, { practiceId: p.id, purpose: 'hours', language: 'en', channel: 'sms' });
    expect(back.overridden).toBe(false);
    expect(back.text).toContain(`${p.name} is open`);
  });

  it('saves an email override with its subject', async () => {
    const put = await h.request('PUT', '/api/v1/templates/refill_denied/en/email', {
      token: manager,
      body: { practiceId: p.id, subject: 'Your refill at {{practice.name}}', body: 'Hello {{patient.firstName}},\n\nPlease call {{practice.phone}} about your refill.' },
    });
    expect(put.status).toBe(200);
    const r = await renderForPractice(h.runtime.deps.db, {
      practiceId: p.id,
      purpose: 'refill_denied',
      language: 'en',
      channel: 'email',
      vars: { patient: { firstName: 'Ana' } },
    });
    expect(r.subject).toBe(`Your refill at ${p.name}`);
    expect(r.text).toContain('Hello Ana,');
    expect(r.html).toContain('<p>Hello Ana,</p>');
  });

  it.each([
    ['an unknown variable', '{{practice.name}}: hi {{patient.favoriteColor}}', /body: unknown variable \{\{patient\.favoriteColor\}\}/],
    ['the last name in a text', '{{practice.name}}: hi {{patient.lastName}}, we are open {{hours practice.hours}}', /patient\.lastName.*not allowed in sms/],
    ['a syntax error', '{{practice.name}}: {{#if practice.phone}}call {{practice.phone}}', /body: .*line 1/],
    ['a carrier opt-out word', '{{practice.name}}: reply CANCEL to cancel', /CANCEL is a carrier opt-out keyword/],
  ])('refuses %s with a 400 naming the problem, and stores nothing', async (_what, body, message) => {
    const db = h.runtime.deps.db;
    const res = await h.request('PUT', '/api/v1/templates/hours/en/sms', { token: manager, body: { practiceId: p.id, body } });
    expect(res.status).toBe(400);
    const err = (await res.json()) as ErrorBody;
    expect(err.error.code).toBe('validation_failed');
    expect(err.error.message).toMatch(message);
    expect(await db.select().from(templates).where(and(eq(templates.practiceId, p.id), eq(templates.key, 'hours')))).toHaveLength(0);
  });

  it('refuses a subject on a text, a channel the purpose does not have, an empty email subject', async () => {
    const subject = await h.request('PUT', '/api/v1/templates/hours/en/sms', { token: manager, body: { practiceId: p.id, body: '{{practice.name}}', subject: 'Hi' } });
    expect(subject.status).toBe(400);
    expect(((await subject.json()) as ErrorBody).error.message).toContain('subject: only email has a subject');
    const voice = await h.request('PUT', '/api/v1/templates/hours/en/voice', { token: manager, body: { practiceId: p.id, body: 'hi' } });
    expect(voice.status).toBe(400);
    expect(((await voice.json()) as ErrorBody).error.message).toContain('channel: hours has no voice template');
    const email = await h.request('PUT', '/api/v1/templates/hours/en/email', { token: manager, body: { practiceId: p.id, body: 'Open {{hours practice.hours}}' } });
    expect(email.status).toBe(400);
    expect(((await email.json()) as ErrorBody).error.message).toContain('subject:');
  });

  it('lets only managers of the practice change templates: assistants 403, another practice 404', async () => {
    const db = h.runtime.deps.db;
    const assistant = await tokenFor(db, 'assistant', p.id);
    const body = { practiceId: p.id, body: '{{practice.name}}: hello' };
    expect((await h.request('PUT', '/api/v1/templates/hours/en/sms', { token: assistant, body })).status).toBe(403);
    const other = await makePractice(db);
    const stranger = await tokenFor(db, 'manager', other.id);
    expect((await h.request('PUT', '/api/v1/templates/hours/en/sms', { token: stranger, body })).status).toBe(404);
    expect((await h.request('GET', `/api/v1/templates?practiceId=${p.id}`, { token: stranger })).status).toBe(404);
    expect((await h.request('DELETE', `/api/v1/templates/hours/en/sms?practiceId=${p.id}`, { token: stranger })).status).toBe(404);
    expect((await h.request('POST', '/api/v1/templates/preview', { token: stranger, body: { practiceId: p.id, purpose: 'hours', language: 'en', channel: 'sms' } })).status).toBe(404);
  });
});

describe('template preview', () => {
  type Preview = { source: string; text: string; subject: string | null; html: string | null; segments: { encoding: string; count: number; unicodeCharacters: string[] } | null; warnings: string[] };
  const preview = async (body: Record<string, unknown>) => {
    const res = await h.request('POST', '/api/v1/templates/preview', { token: manager, body: { practiceId: p.id, ...body } });
    expect(res.status).toBe(200);
    return (await res.json()) as Preview;
  };

  it("renders the default with the practice's real values and sample values for the rest, with the segment count", async () => {
    const r = await preview({ purpose: 'refill_approved', language: 'en', channel: 'sms' });
    expect(r.source).toBe('default');
    expect(r.text).toBe(`${p.name}: Your refill was approved and sent to your pharmacy. Please check with the pharmacy before you go. Questions? Call ${p.mainPhone}.`);
    expect(r.segments).toMatchObject({ encoding: 'GSM-7', count: 1 });
    expect(r.warnings).toEqual([]);
    const email = await preview({ purpose: 'refill_approved', language: 'es', channel: 'email' });
    expect(email.subject).toBe('Su resurtido fue aprobado');
    expect(email.text).toContain('Hola, Maria:');
    expect(email.html).toContain('<p>');
    expect(email.segments).toBeNull();
  });

  it('warns above 2 segments and names the characters that force UCS-2', async () => {
    const long = `{{practice.name}}: ${'Your refill is on its way to the pharmacy you chose. '.repeat(7)}Call {{practice.phone}}.`;
    const r = await preview({ purpose: 'refill_approved', language: 'en', channel: 'sms', body: long });
    expect(r.source).toBe('draft');
    expect(r.segments!.encoding).toBe('GSM-7');
    expect(r.segments!.count).toBeGreaterThan(2);
    expect(r.warnings.join(' ')).toMatch(/needs \d+ SMS segments; keep it to 2/);
    const ucs = await preview({ purpose: 'refill_approved', language: 'es', channel: 'sms', body: `{{practice.name}}: ${'Su medicación está lista en la farmacia. '.repeat(4)}` });
    expect(ucs.segments).toMatchObject({ encoding: 'UCS-2' });
    expect(ucs.segments!.unicodeCharacters).toEqual(expect.arrayContaining(['ó', 'á']));
    expect(ucs.segments!.count).toBeGreaterThan(2);
    expect(ucs.warnings.join(' ')).toMatch(/UCS-2 because of/);
  });

  it('refuses an invalid draft like a save would, and says when the practice lacks a value the template prints', async () => {
    const res = await h.request('POST', '/api/v1/templates/preview', {
      token: manager,
      body: { practiceId: p.id, purpose: 'hours', language: 'en', channel: 'sms', body: '{{practice.name}} {{patient.lastName}}' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.message).toContain('patient.lastName');
    // the test practice has no fax: the preview shows the example and says so
    const fax = await preview({ purpose: 'fax', language: 'en', channel: 'sms' });
    expect(fax.warnings.join(' ')).toContain('practice.fax');
  });
});
