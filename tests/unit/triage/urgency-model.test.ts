/**
 * The urgency model is natural's BayesClassifier exported to sparse log-probabilities: the
 * engine's scores must be natural's own.
 */
import natural from 'natural/lib/natural/classifiers/index.js';
import { describe, expect, it } from 'vitest';
import { URGENCY_THRESHOLDS } from '../../../triage/index.js';
import { scoreUrgency } from '../../../triage/urgency-model.js';
import { exportNaturalBayes } from '../../../src/triage-tools/train.js';

describe('urgency model', () => {
  const nb = new natural.BayesClassifier();
  nb.addDocument(['c:chest', 'c:pain', 'p:chest+pain'], 'emergency');
  nb.addDocument(['c:chest', 'neg:pain', 'w:cough'], 'routine');
  nb.addDocument(['c:fever', 'w:day'], 'urgent');
  nb.addDocument(['c:pain', 'w:knee'], 'routine');
  nb.addDocument(['c:cyanosis', 'c:lips'], 'emergency');
  nb.train();
  const model = exportNaturalBayes(nb, { examples: 5, corpusHash: 'test' });

  for (const doc of [['c:chest', 'c:pain'], ['w:knee', 'c:pain'], ['c:fever'], ['c:lips', 'w:unknown']]) {
    it(`scores ${doc.join(' ')} as natural does`, () => {
      const theirs = nb.getClassifications(doc);
      const total = theirs.reduce((a, c) => a + c.value, 0);
      const pEmergency = (theirs.find((c) => c.label === 'emergency')?.value ?? 0) / total;
      expect(scoreUrgency(model, doc).emergency).toBeCloseTo(pEmergency, 3);
      expect(nb.classify(doc)).toBe(model.labels[[...model.labels.keys()].sort((a, b) => scoreOf(b) - scoreOf(a))[0]!]);
      function scoreOf(j: number) {
        return model.prior[j]! + doc.reduce((s, f) => s + (model.logp[f]?.[j] ?? 0), 0);
      }
    });
  }
  it('has thresholds between 0 and 1', () => {
    expect(URGENCY_THRESHOLDS.emergency).toBeGreaterThan(0.5);
    expect(URGENCY_THRESHOLDS.emergency).toBeLessThan(1);
    expect(URGENCY_THRESHOLDS.urgent).toBeLessThan(1);
  });
});
