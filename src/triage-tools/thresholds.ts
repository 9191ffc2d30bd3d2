/**
 * npx tsx src/triage-tools/thresholds.ts [--dir triage/eval/dev]: how the urgency model's
 * thresholds trade recall for false alarms on the development set (never the test set):
 * the model alone, and frames-or-model as the engine decides. The thresholds in
 * triage/urgency-model.ts were picked from this table.
 */
import { resolve } from 'node:path';
import urgencyJson from '../../triage/model/urgency.json' with { type: 'json' };
import { readMessage } from '../../triage/read.js';
import { assessUrgency } from '../../triage/urgency.js';
import type { UrgencyModel } from '../../triage/urgency-model.js';
import { EVAL_DIR, loadEvalSet } from './eval-sets.js';

const i = process.argv.indexOf('--dir');
const dir = i > 0 ? resolve(process.argv[i + 1]!) : `${EVAL_DIR}/dev`;
const model = urgencyJson as unknown as UrgencyModel;
const rows = loadEvalSet(dir).map((r) => {
  const m = readMessage(r.text);
  const a = assessUrgency(m.tokens, m.corrected, m.language, r.text, model);
  return { ...r, frameEm: a.frames.some((f) => f.urgency === 'emergency'), frameAny: a.frames.length > 0, pe: a.score?.emergency ?? 0, pu: a.score?.urgentOrWorse ?? 0 };
});
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-').padStart(7);
const em = rows.filter((r) => r.urgency === 'emergency');
const uw = rows.filter((r) => r.urgency !== 'routine');
const la = rows.filter((r) => r.kind === 'lookalike');
const rt = rows.filter((r) => r.kind === 'routine');
console.log(`${dir}: ${em.length} emergencies, ${uw.length} urgent-or-worse, ${la.length} look-alikes, ${rt.length} routine`);
console.log(`frames alone: emergency recall ${pct(em.filter((r) => r.frameEm).length, em.length)}, look-alike->em ${pct(la.filter((r) => r.frameEm).length, la.length)}, routine->em ${pct(rt.filter((r) => r.frameEm).length, rt.length)}`);
console.log('\nP(emergency) >=  model alone: recall  look->em  routine->em | frames or model: recall  look->em  routine->em');
for (const t of [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999]) {
  const m = (r: (typeof rows)[number]) => r.pe >= t;
  const c = (r: (typeof rows)[number]) => r.frameEm || r.pe >= t;
  console.log(`${String(t).padEnd(16)} ${pct(em.filter(m).length, em.length)}  ${pct(la.filter(m).length, la.length)}  ${pct(rt.filter(m).length, rt.length)}      | ${pct(em.filter(c).length, em.length)}  ${pct(la.filter(c).length, la.length)}  ${pct(rt.filter(c).length, rt.length)}`);
}
console.log('\nP(urgent or worse) >=  model alone: recall | frames or model: recall  routine->urgent+  look->urgent+');
for (const t of [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999]) {
  const c = (r: (typeof rows)[number]) => r.frameAny || r.pu >= t;
  console.log(`${String(t).padEnd(21)} ${pct(uw.filter((r) => r.pu >= t).length, uw.length)}             | ${pct(uw.filter(c).length, uw.length)}  ${pct(rt.filter(c).length, rt.length)}  ${pct(la.filter(c).length, la.length)}`);
}
