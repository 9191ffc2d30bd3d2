import model from './model/model.json' with { type: 'json' };
import urgencyModel from './model/urgency.json' with { type: 'json' };
import { createTriage, type Triage, type TriageModel } from './engine.js';
import { URGENCY_THRESHOLDS, type UrgencyModel } from './urgency-model.js';

export { createTriage, LOW_CONFIDENCE } from './engine.js';
export type { ExplainedConcept, ExplainedTriageResult, Triage, TriageExplanation, TriageModel, UrgencyExplanation } from './engine.js';
export { detectOptOut, type OptOut } from './opt-out.js';
export { FRAMES } from './frames.js';
export { URGENCY_THRESHOLDS } from './urgency-model.js';
export type { UrgencyModel } from './urgency-model.js';
export { reminderAnswer } from './reminder.js';
export { extractEntities, extractMedications, extractPharmacy, extractCallbackNumber, extractDates } from './entities.js';
export { normalizeText } from './normalize.js';
export { detectLanguage } from './language.js';
export * from './types.js';
/** The urgency model's thresholds (probability of emergency, of urgent-or-worse). */
export const urgencyThresholds: Record<string, number> = { ...URGENCY_THRESHOLDS };
/** Ids of every urgency frame (they are the redFlags a result can carry). */
export { redFlagIds } from './frames.js';

let defaultTriage: Triage | undefined;

/** The engine with the models committed in triage/model/ (bundled JSON, no file reads). */
export function loadDefaultTriage(): Triage {
  const urgency = (urgencyModel as unknown as UrgencyModel | { empty: true });
  defaultTriage ??= createTriage({ ...(model as unknown as TriageModel), ...('labels' in urgency ? { urgency } : {}) });
  return defaultTriage;
}
