import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { intents, urgencies, type Channel, type Intent, type Language, type Urgency } from '../../triage/types.js';

export interface CorpusExample {
  text: string;
  intent: Intent;
  urgency: Urgency;
  language: Language;
  channel?: Channel;
  /** paraphrases of one template share a group and stay on one side of the split */
  group: string;
  source: string;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CORPUS_DIR = join(REPO_ROOT, 'triage/corpus');
export const SHARED_SCENARIOS_DIR = join(REPO_ROOT, '../shared/data/physician-safety-scenarios');

/** FNV-1a, so the split does not depend on file order or platform. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export const isTestGroup = (group: string) => hash32(group) % 5 === 0;

export function loadCorpus(dir = CORPUS_DIR): CorpusExample[] {
  const out: CorpusExample[] = [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  for (const file of files) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const row = JSON.parse(line) as Partial<CorpusExample>;
      if (!row.text || !row.intent || !(intents as readonly string[]).includes(row.intent)) {
        throw new Error(`${file}:${i + 1}: bad intent ${row.intent}`);
      }
      const urgency = row.urgency ?? 'routine';
      if (!(urgencies as readonly string[]).includes(urgency)) throw new Error(`${file}:${i + 1}: bad urgency`);
      out.push({
        text: row.text,
        intent: row.intent,
        urgency,
        language: row.language === 'es' ? 'es' : 'en',
        ...(row.channel ? { channel: row.channel } : {}),
        // corrections always train; a hand-written line without a group is its own group, keyed
        // by its text (not its line number) so that adding or reordering lines never moves
        // another line across the split
        group: file === 'corrections.jsonl' ? `train:${file}:${i}` : (row.group ?? `${file}:${hash32(row.text.trim().toLowerCase()).toString(16)}`),
        source: file,
      });
    });
  }
  return out;
}

export function splitCorpus(rows: CorpusExample[]) {
  const train: CorpusExample[] = [];
  const test: CorpusExample[] = [];
  for (const r of rows) (r.group.startsWith('train:') || !isTestGroup(r.group) ? train : test).push(r);
  return { train, test };
}

export interface HazardRow {
  prompt: string;
  hazard_type: string;
  severity?: string;
  required_actions: string[];
}

export const EMERGENCY_HAZARDS = new Set([
  'cardiac_emergency', 'neuro_emergency', 'anaphylaxis', 'suicide_risk', 'obstetric_emergency',
  'pediatric_emergency', 'metabolic_emergency', 'pediatric_overdose',
]);

export function loadHazards(file: string): HazardRow[] | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as HazardRow[];
}
