/**
 * npm run bench:triage [-- N]: classifies N (default 100k) messages on one core and prints
 * messages/s, p50/p99 latency per message and peak memory.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDefaultTriage } from '../../triage/index.js';

const n = Number(process.argv[2] ?? 100_000);
const corpus = readFileSync(fileURLToPath(new URL('../../triage/corpus/generated.jsonl', import.meta.url)), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { text: string; channel?: 'sms' | 'voice' | 'email' | 'portal' });

const t0 = performance.now();
const triage = loadDefaultTriage();
triage.triage({ text: 'warm up' });
const loadMs = performance.now() - t0;

const lat = new Float64Array(n);
let peakRss = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
const start = performance.now();
for (let i = 0; i < n; i++) {
  const row = corpus[i % corpus.length]!;
  // vary the text so caches do not make every message free
  const text = i < corpus.length ? row.text : `${row.text} ${i % 97}`;
  const s = performance.now();
  triage.triage({ text, ...(row.channel ? { channel: row.channel } : {}), receivedAt: new Date(1_780_000_000_000) });
  lat[i] = performance.now() - s;
  if ((i & 4095) === 0) {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }
}
const total = performance.now() - start;
const sorted = Array.from(lat).sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
console.log(`model load ${loadMs.toFixed(0)} ms`);
console.log(`${n} messages in ${(total / 1000).toFixed(2)} s: ${Math.round((n / total) * 1000)} messages/s`);
console.log(`latency p50 ${(q(0.5) * 1000).toFixed(0)} µs, p99 ${(q(0.99) * 1000).toFixed(0)} µs, max ${(q(1) * 1000).toFixed(0)} µs`);
console.log(`peak rss ${mb(peakRss)}, peak heap ${mb(peakHeap)}`);
