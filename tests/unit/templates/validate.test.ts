import { describe, expect, it } from 'vitest';
import { allowedVariables, validateTemplate } from '../../../templates/index.js';

describe('validateTemplate', () => {
  it('accepts a good override', () => {
    expect(validateTemplate('{{practice.name}}: open {{hours practice.hours}}', { purpose: 'hours', channel: 'sms' })).toEqual([]);
  });

  it('refuses patient.lastName in an SMS and says where it is', () => {
    const problems = validateTemplate('Hi {{patient.firstName}}\nDear {{patient.lastName}}', { purpose: 'hours', channel: 'sms' });
    expect(problems).toEqual([
      expect.objectContaining({ code: 'variable_not_allowed', variable: 'patient.lastName', line: 2, column: 8, field: 'body' }),
    ]);
    expect(problems[0]!.message).toMatch(/not allowed in sms messages, only in portal \(use patient\.firstName\)/);
    expect(validateTemplate('Dear {{patient.lastName}}', { purpose: 'hours', channel: 'portal' })).toEqual([]);
  });

  it('refuses an unknown variable and lists what can be used', () => {
    const [p] = validateTemplate('Hi {{patient.first_name}}', { purpose: 'ack', channel: 'sms' });
    expect(p).toMatchObject({ code: 'unknown_variable', variable: 'patient.first_name', line: 1, column: 6 });
    expect(p!.message).toMatch(/can use: .*patient\.firstName/);
  });

  it('refuses bad syntax, pointing at the line', () => {
    const [p] = validateTemplate('Hello\nSee you {{date appointment.startsAt', { purpose: 'appointment_confirmed', channel: 'sms' });
    expect(p).toMatchObject({ code: 'syntax', line: 2 });
    expect(p!.message).toMatch(/syntax error: Parse error on line 2/);
  });

  it('refuses provider, visit type and reason in reminders (minimum content) and date of birth anywhere', () => {
    const [provider] = validateTemplate({ subject: 'Reminder', body: 'With {{appointment.provider}}' }, { purpose: 'appointment_reminder', channel: 'email' });
    expect(provider!.message).toMatch(/not available for appointment_reminder: appointment_reminder carries the minimum/);
    expect(validateTemplate('{{appointment.type}}', { purpose: 'appointment_reminder', channel: 'sms' })[0]!.message).toMatch(
      /visit type never goes into a message/,
    );
    expect(validateTemplate('{{appointment.reason}}', { purpose: 'appointment_confirmed', channel: 'portal' })[0]!.code).toBe(
      'variable_not_allowed',
    );
    expect(validateTemplate('{{patient.dateOfBirth}}', { purpose: 'ack', channel: 'portal' })[0]!.message).toMatch(/date of birth/);
    // the provider is fine in a confirmation email, not in its SMS
    expect(validateTemplate({ subject: 'Confirmed', body: '{{appointment.provider}}' }, { purpose: 'appointment_confirmed', channel: 'email' })).toEqual([]);
    expect(validateTemplate('{{appointment.provider}}', { purpose: 'appointment_confirmed', channel: 'sms' })[0]!.code).toBe(
      'variable_not_allowed',
    );
  });

  it('keeps patient details out of staff notifications', () => {
    expect(validateTemplate('{{patient.firstName}} {{conversation.url}}', { purpose: 'oncall_emergency', channel: 'sms' })).toEqual([
      expect.objectContaining({ variable: 'patient.firstName', code: 'variable_not_allowed' }),
    ]);
    expect(validateTemplate({ subject: 'Overdue', body: '{{message.body}}' }, { purpose: 'sla_breach', channel: 'email' })[0]!.message).toMatch(/patient's words/);
  });

  it('checks variables inside #each against the list item', () => {
    const ok = '{{#each slots}}{{number}}) {{date startsAt}} {{@root.practice.phone}} {{../practice.name}}\n{{/each}}';
    expect(validateTemplate(ok, { purpose: 'appointment_reschedule_offer', channel: 'sms' })).toEqual([]);
    const [p] = validateTemplate('{{#each slots}}{{provider}}{{/each}}', { purpose: 'appointment_reschedule_offer', channel: 'sms' });
    expect(p).toMatchObject({ code: 'unknown_variable', variable: 'slots[].provider' });
  });

  it('refuses unknown helpers, partials and helpers without a value', () => {
    expect(validateTemplate('{{upper practice.name}}', { purpose: 'hours', channel: 'sms' })[0]).toMatchObject({ code: 'unknown_helper' });
    expect(validateTemplate('{{> footer}}', { purpose: 'hours', channel: 'sms' })[0]).toMatchObject({ code: 'unsupported' });
    expect(validateTemplate('{{date}}', { purpose: 'ack', channel: 'sms' })[0]!.message).toMatch(/date needs a value/);
    expect(validateTemplate('{{date sla.dueAt format="x"}}', { purpose: 'ack', channel: 'sms' })[0]!.message).toMatch(/no option "format"/);
  });

  it('refuses an SMS that offers CANCEL, a carrier opt-out keyword', () => {
    const [p] = validateTemplate('Reply CANCEL to cancel', { purpose: 'appointment_reminder', channel: 'sms' });
    expect(p).toMatchObject({ code: 'opt_out_keyword' });
    expect(p!.message).toMatch(/Ask for X to cancel/);
  });

  it('needs a subject for email, either as a first line or a field, and reports lines in the source', () => {
    expect(validateTemplate('Hello {{practice.name}}', { purpose: 'hours', channel: 'email' })[0]).toMatchObject({ code: 'missing_subject' });
    expect(validateTemplate({ subject: 'Hours', body: 'Open {{hours practice.hours}}' }, { purpose: 'hours', channel: 'email' })).toEqual([]);
    const [p] = validateTemplate('Subject: Hi {{patient.firstName}}\n\nline\n{{patient.lastName}}', { purpose: 'hours', channel: 'email' });
    expect(p).toMatchObject({ variable: 'patient.lastName', line: 4, field: 'body' });
    const [s] = validateTemplate({ subject: '{{patient.lastName}}', body: 'x' }, { purpose: 'hours', channel: 'email' });
    expect(s).toMatchObject({ field: 'subject', variable: 'patient.lastName' });
  });

  it('refuses an unknown purpose or a channel the purpose has no template for', () => {
    expect(validateTemplate('x', { purpose: 'nope', channel: 'sms' })[0]!.message).toMatch(/unknown purpose/);
    expect(validateTemplate('x', { purpose: 'help', channel: 'voice' })[0]!.message).toMatch(/help has no voice template/);
  });

  it('lists the variables a purpose may use per channel', () => {
    expect(allowedVariables('appointment_reminder', 'sms').sort()).toEqual(
      ['appointment.startsAt', 'lang', 'patient.firstName', 'practice.name', 'practice.phone', 'tz'].sort(),
    );
    expect(allowedVariables('hours', 'portal')).toContain('patient.lastName');
    expect(allowedVariables('hours', 'sms')).not.toContain('patient.lastName');
  });
});
