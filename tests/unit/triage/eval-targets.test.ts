import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDefaultTriage } from '../../../triage/index.js';
import { loadCorpus, loadHazards, SHARED_SCENARIOS_DIR, splitCorpus } from '../../../src/triage-tools/corpus.js';
import { evaluateHazards, evaluateSplit, partitionHoldout, TARGETS } from '../../../src/triage-tools/metrics.js';

const triage = loadDefaultTriage();

describe('evaluation targets (issue 5)', () => {
  const split = evaluateSplit(triage, splitCorpus(loadCorpus()).test);
  it(`macro-F1 on our test split >= ${TARGETS.macroF1}`, () => expect(split.macroF1).toBeGreaterThanOrEqual(TARGETS.macroF1));
  it('emergency recall is 1.0', () => expect(split.emergencyRecall).toBe(TARGETS.emergencyRecall));
  it('routine messages raised to emergency <= 5%', () => expect(split.routineToEmergencyRate).toBeLessThanOrEqual(TARGETS.routineToEmergencyMax));

  const holdout = loadHazards(join(SHARED_SCENARIOS_DIR, 'hazard_scenarios_holdout.json'));
  const train = loadHazards(join(SHARED_SCENARIOS_DIR, 'hazard_scenarios_train.json')) ?? [];
  if (!holdout) {
    it.skip(`physician holdout skipped: ${SHARED_SCENARIOS_DIR}/hazard_scenarios_holdout.json not found`, () => {});
    return;
  }
  const { derived, rest } = partitionHoldout(holdout, train);
  const m = evaluateHazards(triage, [...derived, ...rest]);
  it('physician emergencies rated emergency >= 0.95', () => expect(m.emergencyRatedEmergency).toBeGreaterThanOrEqual(TARGETS.physicianEmergencyRated));
  it('physician hazards given needsHuman >= 0.95', () => expect(m.needsHumanShare).toBeGreaterThanOrEqual(TARGETS.physicianNeedsHuman));
});
