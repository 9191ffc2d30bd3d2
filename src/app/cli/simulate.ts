/**
 * `switchboard simulate`: plays realistic patient SMS traffic against a running server,
 * signed exactly as Twilio signs it (over PUBLIC_BASE_URL + path), with TWILIO_AUTH_TOKEN or
 * the local token in DATA_DIR that an embedded server verifies with. Nothing is sent to
 * Twilio; the server stores, triages and answers as it would for real texts.
 */
import { parseArgs } from 'node:util';
import { publicWebhookUrl, signTwilioRequest } from '../../../channels/sms/verify';
import type { Env } from '../../platform/env';
import { twilioWebhookToken } from '../../access/webhook-secrets';

export interface SimulateOptions {
  /** where the server listens, e.g. http://localhost:3000 */
  target: string;
  /** what Twilio is told to call (PUBLIC_BASE_URL): the signature covers this URL */
  publicBaseUrl: string;
  authToken: string;
  /** the practice number patients text (the demo practice's by default) */
  to: string;
  /** how many webhooks to post */
  count: number;
  /** webhooks per second; 0 posts as fast as the server answers */
  ratePerSecond: number;
  /** makes a run repeatable */
  seed: number;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export interface SimulateResult {
  posted: number;
  /** status code -> how many */
  statuses: Record<string, number>;
  failed: number;
}

const TEXTS: { body: string; media?: { url: string; type: string } }[] = [
  { body: 'hi can i get a refill on my lisinopril 10mg, CVS on main st' },
  { body: 'I need to reschedule my appointment on Thursday, anything next week?' },
  { body: 'Hola, necesito una cita para mi hijo la próxima semana' },
  { body: 'what time do you open on saturday' },
  { body: 'Got a bill for $240 but I thought insurance covered it?' },
  { body: 'Can you send my records to Dr. Patel at Bay Orthopedics' },
  { body: 'Are my lab results back yet?' },
  { body: 'Here is my new insurance card', media: { url: 'https://api.twilio.com/2010-04-01/Accounts/ACsimulated/Messages/MMsim/Media/MEsim', type: 'image/jpeg' } },
  { body: 'Yes' },
  { body: 'HELP' },
  { body: 'STOP' },
  { body: 'START' },
  { body: 'I have chest pain and my left arm is numb' },
  { body: 'thanks!' },
];

/** Small deterministic generator (mulberry32): a seed gives the same traffic every run. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rnd: () => number, n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');

export async function runSimulate(opts: SimulateOptions): Promise<SimulateResult> {
  const doFetch = opts.fetch ?? fetch;
  const log = opts.log ?? (() => {});
  const rnd = random(opts.seed);
  // a few regular patients and some new numbers, from the fictional 555-01xx range
  const patients = Array.from({ length: Math.max(3, Math.ceil(opts.count / 4)) }, (_, i) => `+1415555${String(150 + (i % 50)).padStart(4, '0')}`);
  const path = '/webhooks/twilio/sms';
  const signedUrl = publicWebhookUrl(opts.publicBaseUrl, path);
  const target = `${opts.target.replace(/\/+$/, '')}${path}`;
  const result: SimulateResult = { posted: 0, statuses: {}, failed: 0 };
  let previous: Record<string, string> | null = null;

  for (let i = 0; i < opts.count; i++) {
    let params: Record<string, string>;
    if (previous && rnd() < 0.05) {
      params = previous; // Twilio retries a webhook now and then: the same MessageSid again
    } else {
      const text = TEXTS[Math.floor(rnd() * TEXTS.length)]!;
      const sid = `SM${hex(rnd, 32)}`;
      params = {
        AccountSid: `AC${'0'.repeat(32)}`,
        ApiVersion: '2010-04-01',
        MessageSid: sid,
        SmsMessageSid: sid,
        SmsSid: sid,
        From: patients[Math.floor(rnd() * patients.length)]!,
        To: opts.to,
        Body: text.body,
        NumSegments: '1',
        NumMedia: text.media ? '1' : '0',
        ...(text.media ? { MediaUrl0: text.media.url, MediaContentType0: text.media.type } : {}),
      };
    }
    previous = params;
    const signature = signTwilioRequest(opts.authToken, signedUrl, params);
    try {
      const res = await doFetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      });
      await res.arrayBuffer();
      result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
      if (res.status >= 400) result.failed++;
    } catch (err) {
      result.failed++;
      log(`request ${i + 1} failed: ${(err as Error).message}`);
    }
    result.posted++;
    if (opts.ratePerSecond > 0) await new Promise((r) => setTimeout(r, 1000 / opts.ratePerSecond));
  }
  return result;
}

export const simulateUsage = `simulate [--count N] [--rate R] [--to +1...] [--target URL] [--seed S]
    plays signed patient SMS traffic against a running server (default: ${'$'}PUBLIC_BASE_URL, the demo practice's number)`;

/** The whole command: `npm run cli -- simulate ...`. Returns the exit code. */
export async function simulateCommand(env: Env, args: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      count: { type: 'string', default: '20' },
      rate: { type: 'string', default: '5' },
      to: { type: 'string', default: '+14155550100' },
      target: { type: 'string' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
    },
  });
  const count = Number(values.count);
  const rate = Number(values.rate);
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a whole number above 0');
  if (!Number.isFinite(rate) || rate < 0) throw new Error('--rate must be a number of requests per second (0: as fast as possible)');
  const result = await runSimulate({
    target: values.target ?? env.PUBLIC_BASE_URL,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    authToken: twilioWebhookToken(env),
    to: values.to!,
    count,
    ratePerSecond: rate,
    seed: Number(values.seed),
    log: (line) => err.write(`${line}\n`),
  });
  out.write(`posted ${result.posted} text(s): ${Object.entries(result.statuses).map(([s, n]) => `${n}x ${s}`).join(', ') || 'no answers'}\n`);
  return result.failed > 0 ? 1 : 0;
}
