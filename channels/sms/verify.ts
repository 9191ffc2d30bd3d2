import twilio from '../twilio-parts';

export interface TwilioRequestToVerify {
  authToken: string;
  /** PUBLIC_BASE_URL: what Twilio was told to call, e.g. `https://clinic.example.com` */
  publicBaseUrl: string;
  /** the request path as routed, e.g. `/webhooks/twilio/sms` */
  path: string;
  /** the raw query string, with or without its leading `?` ('' when none) */
  search: string;
  /** the form-encoded POST body as key/value pairs (empty for GET) */
  params: Record<string, string>;
  /** the `X-Twilio-Signature` header */
  signature: string | null | undefined;
}

/**
 * The URL Twilio signed. Built from PUBLIC_BASE_URL and never from the Host header or the
 * internal URL: behind a proxy or a tunnel those differ from what Twilio called, and Twilio
 * signs the URL it called, query string included.
 */
export function publicWebhookUrl(publicBaseUrl: string, path: string, search = ''): string {
  const base = publicBaseUrl.replace(/\/+$/, '');
  const rel = path.startsWith('/') ? path : `/${path}`;
  const query = search === '' || search === '?' ? '' : search.startsWith('?') ? search : `?${search}`;
  return `${base}${rel}${query}`;
}

/** True when `X-Twilio-Signature` matches the public URL and the posted params. */
export function verifyTwilioRequest(req: TwilioRequestToVerify): boolean {
  if (!req.signature || !req.authToken) return false;
  const url = publicWebhookUrl(req.publicBaseUrl, req.path, req.search);
  try {
    // validateRequest also tries the URL with and without the default port, as Twilio does.
    return twilio.validateRequest(req.authToken, req.signature, url, req.params);
  } catch {
    return false;
  }
}

/** The signature Twilio would send for this URL and params (tests and the `simulate` CLI). */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}
