/**
 * Inbound SMS webhooks per second: signed exactly as Twilio signs them, posted over HTTP to
 * a server in its own process (Postgres at DATABASE_URL or the local one, a scratch
 * database; jobs not running, so this is the webhook path alone: verify, parse, one-round-trip
 * ingest, TwiML). Prints req/s and latency percentiles.
 *
 *   npm run bench:ingest [-- --requests 20000 --concurrency 32]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { signTwilioRequest } from '../../channels/sms/verify';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '32' } } });
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const baseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const name = `sb_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const url = new URL(baseUrl);
url.pathname = `/${name}`;
const port = 3900 + Math.floor(Math.random() * 90);
const token = 'bench-auth-token';
const publicBase = 'https://bench.switchboard.test';
const env = {
  ...process.env,
  DATABASE_URL: url.toString(),
  // a Redis URL with no workers: jobs wait in the outbox, as they would behind `npm run worker`
  REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  PORT: String(port),
  TWILIO_AUTH_TOKEN: token,
  TWILIO_ACCOUNT_SID: 'ACbench',
  SEND_MODE: 'simulate',
  PUBLIC_BASE_URL: publicBase,
  LOG_LEVEL: 'warn',
};
const server = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    if (out.includes('API docs')) resolve();
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
});
const to = (await admin.unsafe(`select value from "${name}".public.practice_addresses limit 1`).catch(async () => {
  const c = postgres(url.toString(), { max: 1 });
  const r = await c`select value from practice_addresses where kind = 'phone' limit 1`;
  await c.end();
  return r;
}))[0]!.value as string;

const path = '/webhooks/twilio/sms';
const latencies: number[] = [];
let next = 0;
let failed = 0;
const started = performance.now();
async function worker() {
  for (;;) {
    const i = next++;
    if (i >= total) return;
    const params = {
      AccountSid: 'ACbench',
      MessageSid: `SMbench${i.toString().padStart(10, '0')}`,
      From: `+1415555${String(2000 + (i % 5000)).padStart(4, '0')}`,
      To: to,
      Body: i % 3 === 0 ? 'hi can i get a refill on my lisinopril' : 'what time do you open tomorrow',
      NumMedia: '0',
    };
    const body = new URLSearchParams(params).toString();
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(token, publicBase + path, params) },
      body,
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (res.status !== 200) failed++;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const secs = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
console.log(`ingest: ${total} signed SMS webhooks, concurrency ${concurrency}: ${(total / secs).toFixed(0)} req/s; latency p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms; non-200: ${failed}`);
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
await admin.unsafe(`drop database ${name} with (force)`);
await admin.end();
process.exit(0);
