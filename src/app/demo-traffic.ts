import type { Channel, Intent, TriageResult, Urgency } from '../../triage/types';

/*
 * The demo's patients and what they write: invented people, 555-01xx numbers (reserved for
 * fiction in every area code), example.com addresses. Each scenario carries the triage a
 * person would agree with, the queue the default rules put it in, and how the office answered.
 */

export interface Scenario {
  intent: Intent;
  urgency: Urgency;
  language: 'en' | 'es';
  channels: Channel[];
  text: string;
  subject?: string;
  redFlags?: string[];
  entities?: TriageResult['entities'];
  queue: string;
  /** an automatic answer from this template (rules or safety) */
  auto?: 'emergency' | 'urgent_ack' | 'hours' | 'address' | 'fax' | 'portal_signup';
  /** what the assistant wrote back */
  reply?: string;
  /** how often it comes up, relative */
  weight: number;
}

export const scenarios: Scenario[] = [
  // ---- emergencies and urgent ----
  { intent: 'clinical_question', urgency: 'emergency', language: 'en', channels: ['sms'], text: 'my dad has crushing chest pain and his left arm feels numb, what do we do', redFlags: ['chest_pain'], queue: 'urgent', auto: 'emergency', reply: 'Please call 911 now if you have not. Dr. Patel is on call and will phone you in the next few minutes.', weight: 1 },
  { intent: 'clinical_question', urgency: 'emergency', language: 'es', channels: ['sms'], text: 'mi esposa tiene la cara caída de un lado y no puede hablar bien', redFlags: ['stroke_signs'], queue: 'urgent', auto: 'emergency', reply: 'Llame al 911 ahora mismo. La enfermera de guardia le llamará enseguida.', weight: 1 },
  { intent: 'clinical_question', urgency: 'emergency', language: 'en', channels: ['portal'], subject: 'Reaction', text: 'I took the new antibiotic and my throat is swelling and I have hives all over', redFlags: ['anaphylaxis'], queue: 'urgent', auto: 'emergency', reply: 'Please call 911 now. We have told Dr. Okafor; stop the antibiotic.', weight: 1 },
  { intent: 'clinical_question', urgency: 'urgent', language: 'en', channels: ['sms', 'portal'], text: 'my daughter has had a fever of 103 since last night and she is not keeping fluids down', redFlags: ['high_fever'], queue: 'urgent', auto: 'urgent_ack', reply: 'Thanks for letting us know. Nurse Kim will call you within the hour; if she becomes very drowsy or has trouble breathing, call 911.', weight: 3 },
  { intent: 'clinical_question', urgency: 'urgent', language: 'es', channels: ['sms'], text: 'tengo mucho dolor al orinar y fiebre desde ayer', redFlags: ['fever'], queue: 'urgent', auto: 'urgent_ack', reply: 'Gracias por avisarnos. Una enfermera le llamará hoy mismo.', weight: 2 },
  { intent: 'refill_request', urgency: 'urgent', language: 'en', channels: ['sms', 'voice'], text: 'I ran out of my insulin yesterday and the pharmacy says the prescription expired', entities: { medications: ['insulin glargine'], pharmacy: 'Walgreens on Oak Ave' }, redFlags: ['critical_medication'], queue: 'urgent', auto: 'urgent_ack', reply: 'Dr. Okafor sent a new prescription to Walgreens on Oak Ave; it should be ready within two hours.', weight: 2 },
  // ---- appointments ----
  { intent: 'appointment_new', urgency: 'routine', language: 'en', channels: ['sms', 'email', 'portal'], subject: 'New appointment', text: 'Hi, I need to book a physical sometime next week, mornings are best for me', entities: { dates: ['next week'] }, queue: 'scheduling', reply: 'We have Tuesday at 9:20 or Thursday at 8:40 with Dr. Lee. Which works?', weight: 6 },
  { intent: 'appointment_new', urgency: 'routine', language: 'es', channels: ['sms', 'voice'], text: 'Hola, quisiera hacer una cita para mi hijo, necesita vacunas para la escuela', queue: 'scheduling', reply: 'Con gusto. Tenemos el miércoles a las 3:30 pm con la Dra. Lee. ¿Le sirve?', weight: 4 },
  { intent: 'appointment_reschedule', urgency: 'routine', language: 'en', channels: ['sms', 'voice', 'email'], subject: 'Reschedule', text: "I can't make my appointment on Thursday, can we move it to Friday afternoon?", entities: { dates: ['Thursday', 'Friday'] }, queue: 'scheduling', reply: 'Done: you are now booked Friday at 2:15 pm. See you then!', weight: 6 },
  { intent: 'appointment_reschedule', urgency: 'routine', language: 'es', channels: ['sms'], text: 'necesito cambiar mi cita del jueves para la próxima semana por favor', entities: { dates: ['jueves'] }, queue: 'scheduling', reply: 'Listo, su cita quedó para el martes a las 10:00 am.', weight: 4 },
  { intent: 'appointment_cancel', urgency: 'routine', language: 'en', channels: ['sms', 'voice'], text: 'please cancel my appointment tomorrow, I am out of town', queue: 'scheduling', reply: 'Your appointment is cancelled. Text us when you are back and we will find a new time.', weight: 4 },
  { intent: 'appointment_confirm', urgency: 'routine', language: 'en', channels: ['sms'], text: 'yes I will be there on monday', queue: 'scheduling', reply: 'Thank you, you are confirmed.', weight: 2 },
  // ---- refills ----
  { intent: 'refill_request', urgency: 'routine', language: 'en', channels: ['sms', 'portal'], subject: 'Refill', text: 'hi can i get a refill on my lisinopril 10mg, CVS on main st. thx', entities: { medications: ['lisinopril'], medicationDetails: [{ name: 'lisinopril', strength: '10 mg' }], pharmacy: 'CVS on Main St' }, queue: 'refills', reply: 'Your lisinopril refill was sent to CVS on Main St. It should be ready tomorrow.', weight: 7 },
  { intent: 'refill_request', urgency: 'routine', language: 'en', channels: ['voice'], text: 'hi this is about my metformin refill, 500 milligrams, please send it to the Rite Aid on 5th, my date of birth is March 3rd 1961', entities: { medications: ['metformin'], medicationDetails: [{ name: 'metformin', strength: '500 mg' }], pharmacy: 'Rite Aid on 5th', dateOfBirth: '1961-03-03' }, queue: 'refills', reply: 'Your metformin was sent to Rite Aid on 5th.', weight: 4 },
  { intent: 'refill_request', urgency: 'routine', language: 'es', channels: ['sms'], text: 'Buenas, necesito más de mi atorvastatina de 20 mg, la farmacia es Walgreens', entities: { medications: ['atorvastatina'], pharmacy: 'Walgreens' }, queue: 'refills', reply: 'Su receta fue enviada a Walgreens. Estará lista mañana.', weight: 3 },
  // ---- billing, insurance, records ----
  { intent: 'billing', urgency: 'routine', language: 'en', channels: ['email', 'portal'], subject: 'Question about my bill', text: 'Hello,\n\nI received a bill for my visit on the 3rd but I thought my insurance covered it. Could someone look into it?\n\nThank you', queue: 'billing', reply: 'We resubmitted the claim to your insurer with the right member number; you can ignore the bill for now.', weight: 4 },
  { intent: 'insurance', urgency: 'routine', language: 'en', channels: ['email', 'sms'], subject: 'New insurance', text: 'I switched to Blue Cross this month, do you need my new card before my appointment?', queue: 'billing', reply: 'Yes please: upload a photo of both sides in the portal, or bring it to your visit.', weight: 3 },
  { intent: 'billing', urgency: 'routine', language: 'es', channels: ['sms', 'voice'], text: 'recibí una factura que no entiendo, me pueden llamar', queue: 'billing', reply: 'Claro, le llamaremos hoy por la tarde para explicarle la factura.', weight: 2 },
  { intent: 'records_request', urgency: 'routine', language: 'en', channels: ['email', 'portal'], subject: 'Records for my new job', text: 'Can you send my immunization records to my employer? I can sign a release.', queue: 'records', reply: 'We emailed you the release form; once it is signed we send the records within two business days.', weight: 3 },
  // ---- clinical and results ----
  { intent: 'test_results', urgency: 'routine', language: 'en', channels: ['portal', 'sms'], subject: 'Lab results', text: 'Are my blood test results from last week back yet? I have not seen them in the portal.', queue: 'clinical', reply: 'Your results are in the portal now; Dr. Lee added a note. All values are in the normal range.', weight: 4 },
  { intent: 'clinical_question', urgency: 'routine', language: 'en', channels: ['portal', 'email'], subject: 'Side effect?', text: 'Since starting the new blood pressure pill I get a dry cough at night. Is that normal?', entities: { medications: ['lisinopril'] }, queue: 'clinical', reply: 'A dry cough can come with lisinopril. Dr. Lee would like to switch you to losartan; the pharmacy will have it tomorrow.', weight: 3 },
  { intent: 'clinical_question', urgency: 'routine', language: 'es', channels: ['sms'], text: '¿Puedo tomar ibuprofeno con mi medicina de la presión?', queue: 'clinical', reply: 'Es mejor usar acetaminofén. La enfermera le explicará por teléfono hoy.', weight: 2 },
  // ---- general questions answered from templates ----
  { intent: 'general_question', urgency: 'routine', language: 'en', channels: ['sms'], text: 'what time do you open on saturday', queue: 'general', auto: 'hours', weight: 5 },
  { intent: 'general_question', urgency: 'routine', language: 'es', channels: ['sms'], text: '¿a qué hora abren mañana?', queue: 'general', auto: 'hours', weight: 3 },
  { intent: 'general_question', urgency: 'routine', language: 'en', channels: ['sms', 'email'], subject: 'Directions', text: 'where is the office located and is there parking?', queue: 'general', auto: 'address', weight: 3 },
  { intent: 'general_question', urgency: 'routine', language: 'en', channels: ['email'], subject: 'Fax number', text: 'What is your fax number? My specialist needs to send over a report.', queue: 'general', auto: 'fax', weight: 2 },
  { intent: 'general_question', urgency: 'routine', language: 'en', channels: ['sms'], text: 'how do I sign up for the patient portal', queue: 'general', auto: 'portal_signup', weight: 3 },
  { intent: 'general_question', urgency: 'routine', language: 'en', channels: ['sms', 'email'], subject: 'Flu shots', text: 'Do you have flu shots available for walk-ins this week?', queue: 'general', reply: 'Yes, walk-in flu shots Monday to Friday 9-11 am and 2-4 pm.', weight: 3 },
  { intent: 'other', urgency: 'routine', language: 'en', channels: ['sms'], text: 'is this the right number for dr lee’s office? I got a voicemail from this number', queue: 'general', reply: 'Yes, this is Maple Street Family Medicine. We called about your appointment Thursday; all set now.', weight: 2 },
];

/** Spoken voicemail transcripts (a voice scenario's text is what the caller said). */
export const firstNames = {
  en: ['Dana', 'Tom', 'Priya', 'Marjorie', 'Sam', 'Grace', 'Owen', 'Hannah', 'Derek', 'Naomi', 'Victor', 'Ruth', 'Caleb', 'Ivy', 'Malik', 'Jenna', 'Arthur', 'Leah', 'Nolan', 'Beth', 'Kofi', 'Wendy', 'Elliot', 'Tara', 'Felix'],
  es: ['Luis', 'María', 'Carmen', 'José', 'Lucía', 'Miguel', 'Rosa', 'Javier', 'Elena', 'Andrés', 'Sofía', 'Diego', 'Paula', 'Ramón', 'Isabel'],
};
export const lastNames = {
  en: ['Whitfield', 'Becker', 'Raman', 'Keane', 'Lee', 'Okoro', 'Brennan', 'Fischer', 'Holloway', 'Park', 'Nguyen', 'Adler', 'Sutton', 'Moreau', 'Grant', 'Quinn', 'Bishop', 'Ward', 'Kaplan', 'Doyle'],
  es: ['Ortega', 'García', 'Herrera', 'Ruiz', 'Morales', 'Castillo', 'Vargas', 'Romero', 'Navarro', 'Delgado', 'Mendoza', 'Reyes'],
};

export const areaCodes = ['415', '212', '312', '617', '413', '718', '646', '508', '781', '978'];

/** A tiny seeded PRNG (mulberry32): the same demo every time for the same clock. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!,
    chance: (p: number) => next() < p,
    weighted: <T extends { weight: number }>(list: readonly T[]) => {
      const total = list.reduce((s, x) => s + x.weight, 0);
      let r = next() * total;
      for (const x of list) if ((r -= x.weight) < 0) return x;
      return list.at(-1)!;
    },
    uuid: () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
      hex[12] = '4';
      hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
      const h = hex.join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  };
}
export type Prng = ReturnType<typeof prng>;
