/**
 * Writes triage/lexicon/near-words.json: the real English and Spanish words (with their
 * inflections, from an-array-of-english-words and an-array-of-spanish-words) that lie within
 * the typo corrector's reach of a concept or intent word (by edits or by Spanish sound). The corrector leaves these alone;
 * keeping only them keeps the engine small and its start fast. Deterministic (sorted).
 * Run by `npm run train:triage`; alone: npx tsx src/triage-tools/build-lexicon.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { foldAccents } from '../../triage/text.js';
import { correctionTargets, nearestTarget, phoneticTarget } from '../../triage/typos.js';
import { REPO_ROOT } from './corpus.js';

const require = createRequire(import.meta.url);

function dictionary(pkg: string): string[] {
  const path = require.resolve(pkg);
  return JSON.parse(readFileSync(path, 'utf8')) as string[];
}

export function buildNearWords(): string[] {
  const { en, es } = correctionTargets();
  const targets = new Set([...en, ...es]);
  const out = new Set<string>();
  for (const [pkg, lang] of [['an-array-of-english-words', 'en'], ['an-array-of-spanish-words', 'es']] as const) {
    for (const raw of dictionary(pkg)) {
      const w = foldAccents(raw.toLowerCase());
      if (w.length < 5 || !/^[a-z]+$/.test(w) || targets.has(w) || out.has(w)) continue;
      if (nearestTarget(w, lang) !== null || nearestTarget(w, lang === 'en' ? 'es' : 'en') !== null || phoneticTarget(w) !== null) out.add(w);
    }
  }
  return [...out].sort();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const words = buildNearWords();
  writeFileSync(join(REPO_ROOT, 'triage/lexicon/near-words.json'), `${JSON.stringify(words)}\n`);
  console.log(`near-words.json: ${words.length} real words near a known word (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
