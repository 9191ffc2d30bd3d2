import { createHmac, timingSafeEqual } from 'node:crypto';

export const PORTAL_SIGNATURE_HEADER = 'X-Switchboard-Signature';
export const PORTAL_DELIVERY_HEADER = 'X-Switchboard-Delivery';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp is inside the MAC
 * so a captured delivery cannot be replayed later with a fresh time.
 */
export function signPortalWebhook(secret: string, body: string, timestamp: number): string {
  const t = Math.floor(timestamp);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

export interface VerifyPortalWebhookInput {
  /** one secret, or several while a practice rotates its secret */
  secret: string | readonly string[];
  body: string;
  header: string | null | undefined;
  now: Date;
  /** refuse deliveries signed longer ago than this (default 5 minutes) */
  toleranceSeconds?: number;
}

/** The receiver's side, for the portal's developers and our tests. */
export function verifyPortalWebhook(input: VerifyPortalWebhookInput): boolean {
  if (!input.header) return false;
  let t: number | null = null;
  const signatures: string[] = [];
  for (const item of input.header.split(',')) {
    const [key, value] = item.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (t === null || signatures.length === 0) return false;
  if (Math.abs(input.now.getTime() / 1000 - t) > (input.toleranceSeconds ?? 300)) return false;
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  return secrets.some((secret) => {
    const expected = Buffer.from(mac(secret, t, input.body), 'hex');
    return signatures.some((sig) => timingSafeEqual(expected, Buffer.from(sig, 'hex')));
  });
}

export type PortalDeliveryResult =
  | { ok: true; status: number }
  | { ok: false; kind: 'retryable' | 'permanent'; status: number | null; message: string };

export interface DeliverPortalWebhookInput {
  url: string;
  secret: string;
  payload: unknown;
  /** stable per delivery so the receiver can drop a repeat after a lost answer */
  deliveryId?: string;
  now?: Date;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/**
 * One attempt to POST a reply to the practice's portal. Classifies the outcome for the job
 * queue, which owns retries and backoff: 2xx done; 408, 429, 5xx, timeouts and network
 * failures retryable; other answers (4xx, and redirects, which are not followed because
 * the signature is for this URL) permanent.
 */
export async function deliverPortalWebhook(input: DeliverPortalWebhookInput): Promise<PortalDeliveryResult> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return { ok: false, kind: 'permanent', status: null, message: 'portal webhook URL is not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, kind: 'permanent', status: null, message: `portal webhook URL must be http(s), not ${url.protocol}` };
  }

  const body = JSON.stringify(input.payload);
  const timestamp = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    [PORTAL_SIGNATURE_HEADER]: signPortalWebhook(input.secret, body, timestamp),
  };
  if (input.deliveryId) headers[PORTAL_DELIVERY_HEADER] = input.deliveryId;

  let response: Response;
  try {
    response = await (input.fetch ?? globalThis.fetch)(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(input.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, kind: 'retryable', status: null, message: `portal webhook unreachable (${reason})` };
  }
  // the answer's body is not ours to keep; release the connection
  response.body?.cancel().catch(() => undefined);

  const { status } = response;
  if (status >= 200 && status < 300) return { ok: true, status };
  const retryable = status === 408 || status === 429 || status >= 500;
  return {
    ok: false,
    kind: retryable ? 'retryable' : 'permanent',
    status,
    message: `portal webhook answered ${status}`,
  };
}

function mac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
