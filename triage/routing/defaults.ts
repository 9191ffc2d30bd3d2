// The rule set a new practice starts with (the demo practice has it too).
//
// It answers only what is the same for every patient and safe to say by text: opening hours,
// address, fax number, portal sign-up, each as a template reply, and only when triage read
// the message as a general question that names the topic. Everything else is routed by
// intent to a queue. Emergencies and urgent messages never reach these rules' replies: the
// safety rules in evaluate.ts put them in the urgent queue first.
//
// Decisions:
// - test_results go to `clinical` (the nurse), not `records`: a patient asking about results
//   wants them explained ("is this normal?"), which only a clinician may do; a request for a
//   copy of results is classified records_request and goes to `records`.
// - An answered question still lands in `general` (not resolved): the message may say more
//   than the keyword, and an assistant closes it with one look. Only a message that is
//   nothing but thanks is resolved, and never one that needs a human.
// - No rule answers appointment reminders: those answers belong to the reminders feature,
//   which handles them before rules run. Appointment intents go to `scheduling`.
// - Insurance verification and prior authorisation have their own queue ("Insurance and
//   authorisations"): the back office spends much of its day there and it runs to payers'
//   deadlines, not the billing desk's. A message goes there when triage reads it as
//   `insurance`, or when it names the work itself (prior auth, verify my insurance,
//   autorización previa...) whatever else triage read, since "my Ozempic needs a prior auth"
//   reads as a refill and "verify my insurance before my MRI appointment" as scheduling. The
//   queue's playbook asks for payer, member id, procedure or medication, ordering provider
//   and deadline, prefilled from the entities triage found (medication, dates, birth date).
// - opt_out goes to `general`: STOP keywords are handled by the channel's consent ledger;
//   what reaches the rules is the free-text kind a person should read.

import type { Rule, RuleSet } from './schema.js';

export interface DefaultQueue {
  key: string;
  name: string;
  /** the queue that safety sends emergencies and urgent messages to */
  urgent: boolean;
}

/** The queues the default rules (and the safety rules) route to. */
export const DEFAULT_QUEUES: readonly DefaultQueue[] = [
  { key: 'urgent', name: 'Urgent', urgent: true },
  { key: 'scheduling', name: 'Scheduling', urgent: false },
  { key: 'refills', name: 'Refills', urgent: false },
  { key: 'billing', name: 'Billing and insurance', urgent: false },
  { key: 'insurance', name: 'Insurance and authorisations', urgent: false },
  { key: 'records', name: 'Records', urgent: false },
  { key: 'clinical', name: 'Clinical (nurse)', urgent: false },
  { key: 'general', name: 'General', urgent: false },
];

/** Template purposes the default and safety rules reply with; each needs en and es files. */
export const DEFAULT_REPLY_TEMPLATES = ['emergency', 'urgent_ack', 'hours', 'address', 'fax', 'portal_signup'] as const;

const answer = (id: string, name: string, template: string, any: string[]): Rule => ({
  id,
  name,
  enabled: true,
  match: 'all',
  conditions: [
    { type: 'intent', in: ['general_question'] },
    { type: 'keywords', any },
  ],
  actions: [
    { type: 'reply_template', template },
    { type: 'assign_queue', queue: 'general' },
    { type: 'stop' },
  ],
});

const route = (id: string, name: string, intents: Extract<Rule['conditions'][number], { type: 'intent' }>['in'], queue: string): Rule => ({
  id,
  name,
  enabled: true,
  match: 'all',
  conditions: [{ type: 'intent', in: intents }],
  actions: [
    { type: 'assign_queue', queue },
    { type: 'stop' },
  ],
});

const RULES: Rule[] = [
  {
    id: 'tag-new-patients',
    name: 'Tag messages from new patients',
    enabled: true,
    match: 'all',
    conditions: [{ type: 'patient_new', value: true }],
    actions: [{ type: 'add_tag', tag: 'new_patient' }],
  },
  {
    id: 'close-thanks',
    name: 'Close a message that is only a thank-you',
    enabled: true,
    match: 'all',
    conditions: [
      { type: 'urgency', in: ['routine'] },
      {
        type: 'regex',
        pattern:
          '^\\W*(thanks|thank you|thank you so much|thank you very much|thanks so much|thx|ty|gracias|muchas gracias|mil gracias)\\W*$',
      },
    ],
    actions: [{ type: 'add_tag', tag: 'acknowledgement' }, { type: 'resolve' }, { type: 'stop' }],
  },
  // topic answers: portal and fax before hours and address, whose words ("open", "close")
  // also turn up in portal and fax questions
  answer('answer-portal', 'Answer portal sign-up questions', 'portal_signup', [
    'portal',
    'patient portal',
    'sign up',
    'signup',
    'register',
    'registr*',
    'create an account',
    'crear una cuenta',
    'crear cuenta',
    'inscrib*',
    'mychart',
    'my chart',
  ]),
  answer('answer-fax', 'Answer fax number questions', 'fax', ['fax', 'fax number', 'numero de fax']),
  answer('answer-address', 'Answer address and directions questions', 'address', [
    'address',
    'where are you',
    'where is the office',
    'where is your office',
    'located',
    'location',
    'directions',
    'parking',
    'direccion',
    'donde estan',
    'donde esta la oficina',
    'donde queda*',
    'ubicacion',
    'ubicados',
  ]),
  answer('answer-hours', 'Answer opening hours questions', 'hours', [
    'hours',
    'open',
    'opens',
    'opening',
    'close',
    'closes',
    'closed',
    'closing',
    'what time',
    'horario*',
    'abren',
    'abre',
    'abiert*',
    'cierran',
    'cierra',
    'a que hora',
  ]),
  {
    id: 'route-insurance',
    name: 'Insurance verification and prior authorisations to insurance',
    enabled: true,
    match: 'any',
    conditions: [
      { type: 'intent', in: ['insurance'] },
      {
        type: 'keywords',
        any: [
          'prior auth',
          'prior authorization',
          'prior authorisation',
          'prior approval',
          'preauth*',
          'pre auth*',
          'insurance verification',
          'verify my insurance',
          'verify insurance',
          'verify my coverage',
          'insurance eligibility',
          'autorizacion previa',
          'autorizacion del seguro',
          'preautoriz*',
          'pre autoriz*',
          'verificar mi seguro',
          'verificar el seguro',
          'verificar seguro',
          'verificacion de seguro',
          'verificacion del seguro',
        ],
      },
    ],
    actions: [
      { type: 'assign_queue', queue: 'insurance' },
      { type: 'stop' },
    ],
  },
  route(
    'route-scheduling',
    'Appointments to scheduling',
    ['appointment_new', 'appointment_reschedule', 'appointment_cancel', 'appointment_confirm'],
    'scheduling',
  ),
  route('route-refills', 'Refill requests to refills', ['refill_request'], 'refills'),
  route('route-billing', 'Billing to billing', ['billing'], 'billing'),
  route('route-records', 'Records requests to records', ['records_request'], 'records'),
  route('route-clinical', 'Clinical questions and test results to the nurse', ['clinical_question', 'test_results'], 'clinical'),
  {
    id: 'route-general',
    name: 'Everything else to general',
    enabled: true,
    match: 'all',
    conditions: [],
    actions: [{ type: 'assign_queue', queue: 'general' }],
  },
];

/** A fresh copy of the default rule set, safe to change and save. */
export function defaultRuleSet(): RuleSet {
  return { rules: structuredClone(RULES) };
}
