import { describe, expect, it } from 'vitest';
import { loadDefaultTriage } from '../../../triage/index.js';
import { DEFAULT_QUEUES, DEFAULT_REPLY_TEMPLATES, defaultRuleSet, evaluateRules, referencedKeys } from '../../../triage/routing/index.js';
import type { Intent } from '../../../triage/types.js';
import { context } from './context.js';

const rules = defaultRuleSet().rules;

function route(intent: Intent, body: string, language: 'en' | 'es' = 'en') {
  return evaluateRules(rules, context({ triage: { intent, language }, message: { body } }));
}

describe('default rule set: safe answers', () => {
  it.each([
    ['What are your hours on Saturday?', 'hours'],
    ['what time do you close today', 'hours'],
    ['¿Cuál es su horario?', 'hours'],
    ['a que hora abren mañana', 'hours'],
    ['What is your address?', 'address'],
    ['where are you located', 'address'],
    ['¿Cuál es la dirección de la clínica?', 'address'],
    ['what is your fax number', 'fax'],
    ['how do I sign up for the patient portal', 'portal_signup'],
    ['can I open an account on the portal', 'portal_signup'],
    ['quiero registrarme', 'portal_signup'],
  ])('%s → reply %s, kept open in general', (body, template) => {
    const plan = route('general_question', body);
    expect(plan.replyTemplate).toBe(template);
    expect(plan.queue).toBe('general');
    expect(plan.resolve).toBe(false);
  });

  it('answers only general questions: the same words in a refill request route to refills', () => {
    const plan = route('refill_request', 'is the pharmacy open, I need my refill');
    expect(plan).toMatchObject({ replyTemplate: null, queue: 'refills' });
  });

  it('a general question on another topic goes to general without a reply', () => {
    expect(route('general_question', 'do you take walk-ins for flu shots')).toMatchObject({ replyTemplate: null, queue: 'general' });
  });

  it('closes a message that is only a thank-you, and nothing more', () => {
    for (const body of ['Thank you!', 'thanks 👍', '¡Muchas gracias!', 'thx']) {
      expect(route('other', body)).toMatchObject({ resolve: true, queue: null, replyTemplate: null, tags: ['acknowledgement'] });
    }
    expect(route('other', 'thanks, but my refill is still not at CVS')).toMatchObject({ resolve: false, queue: 'general' });
    // a thank-you that triage is unsure about stays open for a person
    const unsure = evaluateRules(rules, context({ triage: { intent: 'other', needsHuman: true, confidence: 0.3 }, message: { body: 'thanks' } }));
    expect(unsure.resolve).toBe(false);
  });
});

describe('default rule set: routes by intent', () => {
  it.each([
    ['appointment_new', 'I would like to book a physical', 'scheduling'],
    ['appointment_reschedule', 'I need to move my appointment to Friday', 'scheduling'],
    ['appointment_cancel', 'please cancel my appointment tomorrow', 'scheduling'],
    ['appointment_confirm', 'confirming my visit next week', 'scheduling'],
    ['refill_request', 'can you refill my lisinopril at CVS', 'refills'],
    ['billing', 'question about my bill', 'billing'],
    ['insurance', 'do you take Aetna?', 'insurance'],
    ['records_request', 'I need a copy of my medical records', 'records'],
    ['test_results', 'are my lab results back?', 'clinical'],
    ['clinical_question', 'is it ok to take ibuprofen with my blood pressure medicine', 'clinical'],
    ['general_question', 'do you have a pediatrician', 'general'],
    ['opt_out', 'please stop sending me texts', 'general'],
    ['other', 'hi this is maria', 'general'],
  ] as const)('%s → %s', (intent, body, queue) => {
    const plan = route(intent, body);
    expect(plan.queue).toBe(queue);
    expect(plan.replyTemplate).toBeNull();
    expect(plan.resolve).toBe(false);
  });

  it('tags new patients and still routes them', () => {
    const plan = evaluateRules(rules, context({ triage: { intent: 'appointment_new' }, patient: { isNew: true } }));
    expect(plan).toMatchObject({ tags: ['new_patient'], queue: 'scheduling', matchedRuleIds: ['tag-new-patients', 'route-scheduling'] });
  });

  it('every queue and template the rules name is in the default lists', () => {
    const keys = referencedKeys(rules);
    const queues = DEFAULT_QUEUES.map((q) => q.key);
    expect(queues).toEqual(expect.arrayContaining([...keys.queues, 'urgent']));
    expect(DEFAULT_REPLY_TEMPLATES).toEqual(expect.arrayContaining([...keys.templates, 'emergency', 'urgent_ack']));
  });

  it('an emergency that asks a default-answered question still gets the emergency handling', () => {
    const plan = evaluateRules(rules, context({
      triage: { intent: 'general_question', urgency: 'emergency', needsHuman: true, redFlags: ['chest_pain'] },
      message: { body: 'what are your hours, I have crushing chest pain' },
    }));
    expect(plan).toMatchObject({ replyTemplate: 'emergency', queue: 'urgent', priority: 100 });
    expect(plan.notifications).toEqual([{ channel: 'sms', to: 'on_call', reason: 'emergency' }]);
  });
});

describe('default rule set with the real classifier', () => {
  const triage = loadDefaultTriage();
  it.each([
    ['What are your hours on Saturday?', { replyTemplate: 'hours', queue: 'general' }],
    ['what is your fax number', { replyTemplate: 'fax', queue: 'general' }],
    ['how do I sign up for the patient portal', { replyTemplate: 'portal_signup', queue: 'general' }],
    ['what is your address?', { replyTemplate: 'address', queue: 'general' }],
    ['I need to reschedule my appointment', { replyTemplate: null, queue: 'scheduling' }],
    ['can you refill my lisinopril at CVS', { replyTemplate: null, queue: 'refills' }],
    ['question about my bill', { replyTemplate: null, queue: 'billing' }],
    ['I need a copy of my medical records', { replyTemplate: null, queue: 'records' }],
    ['are my lab results back?', { replyTemplate: null, queue: 'clinical' }],
    ['I have chest pain and my left arm is numb', { replyTemplate: 'emergency', queue: 'urgent' }],
  ])('%s', (body, expected) => {
    const result = triage.triage({ text: body, channel: 'sms' });
    expect(evaluateRules(rules, context({ triage: result, message: { body } }))).toMatchObject(expected);
  });
});

describe('insurance verification and prior authorisation go to their own queue', () => {
  const triage = loadDefaultTriage();
  it.each([
    ['My insurance says the MRI Dr. Patel ordered needs a prior authorization before March 3'],
    ['Can you verify my insurance before my appointment on Friday? I have a new Aetna plan, member id W123456789'],
    ['The pharmacy says my Ozempic needs a prior auth from the doctor'],
    ['I got a new insurance card, what do you need from me?'],
    ['Mi seguro necesita una autorización previa para la resonancia magnética que ordenó la doctora'],
    ['¿Pueden verificar mi seguro antes de mi cita del viernes? Tengo un plan nuevo de Molina'],
    ['La farmacia dice que mi insulina necesita autorización previa del seguro'],
    ['¿Aceptan el seguro de Medicaid?'],
  ])('%s', (body) => {
    const result = triage.triage({ text: body, channel: 'sms' });
    expect(evaluateRules(rules, context({ triage: result, message: { body } }))).toMatchObject({ queue: 'insurance', replyTemplate: null, matchedRuleIds: expect.arrayContaining(['route-insurance']) });
  });

  it('names of the work win over another intent (a refill that needs a prior auth, a visit whose coverage must be verified), in English and Spanish', () => {
    expect(route('refill_request', 'my ozempic refill needs a pre-authorization from my doctor').queue).toBe('insurance');
    expect(route('appointment_new', 'please verify my insurance before my MRI appointment').queue).toBe('insurance');
    expect(route('refill_request', 'la farmacia necesita una preautorización para mi insulina', 'es').queue).toBe('insurance');
  });

  it('bills and records stay where they were; an urgent prior-auth message still goes to the urgent queue', () => {
    expect(route('billing', 'I got a bill for $120, can I pay it online?').queue).toBe('billing');
    expect(route('billing', 'Tengo una pregunta sobre mi factura', 'es').queue).toBe('billing');
    expect(route('records_request', 'please authorize release of my records to my new doctor').queue).toBe('records');
    const urgent = evaluateRules(rules, context({ triage: { intent: 'insurance', urgency: 'urgent', needsHuman: true }, message: { body: 'prior auth denied and I am out of insulin today' } }));
    expect(urgent.queue).toBe('urgent');
  });
});
