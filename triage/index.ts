import model from './model/model.json' with { type: 'json' };
import { createTriage, type Triage, type TriageModel } from './engine.js';

export { createTriage, LOW_CONFIDENCE } from './engine.js';
export type { ExplainedTriageResult, Triage, TriageExplanation, TriageModel } from './engine.js';
export { findRedFlags, redFlagIds } from './red-flags.js';
export { reminderAnswer } from './reminder.js';
export { extractEntities, extractMedications, extractPharmacy, extractCallbackNumber, extractDates } from './entities.js';
export { normalizeText } from './normalize.js';
export { detectLanguage } from './language.js';
export * from './types.js';
/** Filled in by the concept engine (issue 13); the old engine has none. */
export const urgencyThresholds: Record<string, number> = {};

let defaultTriage: Triage | undefined;

/** The engine with the model committed in triage/model/model.json (bundled, no file reads). */
export function loadDefaultTriage(): Triage {
  defaultTriage ??= createTriage(model as unknown as TriageModel);
  return defaultTriage;
}
