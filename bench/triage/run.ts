/**
 * npm run bench -- triage [--messages 100000] [--json]: classifies the messages on one core
 * and prints messages/s, p50/p99 latency per message, model load time and peak memory.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDefaultTriage } from '../../triage/index.js';
import { benchArgs, numberArg } from '../lib/args';
import { percentile, reporter, round } from '../lib/report';

export async function run(argv: string[]) {
  // --duration is accepted for uniformity; this one is sized by --messages
  const args = benchArgs(argv, { messages: { type: 'string' } }, { duration: 60 });
  const n = numberArg(args.messages, 'messages', 100_000);
  const out = reporter(args.json);
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
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  lat.sort();
  const mb = (b: number) => Math.round(b / 1048576);
  out.row({
    bench: 'triage',
    messages: n,
    seconds: round(total / 1000, 2),
    messages_per_s: Math.round((n / total) * 1000),
    p50_us: Math.round(percentile(lat, 50) * 1000),
    p99_us: Math.round(percentile(lat, 99) * 1000),
    max_us: Math.round(percentile(lat, 100) * 1000),
    model_load_ms: Math.round(loadMs),
    peak_rss_mb: mb(peakRss),
    peak_heap_mb: mb(peakHeap),
  });
  out.flush(`triage: ${n} messages on one core`);
}
