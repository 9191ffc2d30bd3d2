import type { TriageEngine } from '../../src/routing/triage-job';

/** The fault tests' engine: every message says chest pain, so every one is answered at once (the emergency reply). */
export const emergencyTriage: TriageEngine = {
  triage: ({ text }) => {
    const emergency = /chest pain/i.test(text);
    return {
      intent: 'clinical_question',
      urgency: emergency ? 'emergency' : 'routine',
      confidence: 0.99,
      language: 'en',
      entities: {},
      redFlags: emergency ? ['chest_pain'] : [],
      needsHuman: true,
    };
  },
};
