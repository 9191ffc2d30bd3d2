import type { Context } from 'hono';
import { parseSendGridInbound } from '../../../channels/email/inbound';
import { ChannelInputError } from '../../../channels/email/errors';
import {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  parseSendGridEvents,
  verifySendGridEvents,
} from '../../../channels/email/events';
import type { InboundMessage } from '../../../channels/types';
import { AppError } from '../../platform/errors';
import { stripNul } from '../../platform/text';
import { applySendGridEvents, EMAIL_MAX_ATTACHMENT_BYTES, practiceForEmail, storeInboundEmail } from './email-inbound';
import { basicAuthMatches } from '../../access/provider-secrets';
import { holdUnrouted } from '../unrouted';
import type { App, AppEnv } from '../../http/context';
import { errorBody } from '../../http/errors';

/** How far an event post's signed timestamp may be from our clock (replays, clock skew). */
export const SENDGRID_EVENT_TOLERANCE_SECONDS = 600;

const inputStatus = { attachment_too_large: 413, missing_sender: 400, missing_recipient: 400, malformed_payload: 400 } as const;

/**
 * SendGrid's webhooks. Inbound Parse retries a 5xx for 72 hours and drops a 4xx, so: bad
 * input is a 4xx with its reason, a failure to store is a 503, and 200 only once stored.
 */
export function sendgridRoutes(app: App) {
  app.post('/webhooks/sendgrid/inbound', async (c) => {
    const { db, clock, log, relay, secrets } = c.get('deps');
    const creds = secrets.sendgridInbound();
    if (!creds.ok) throw new AppError('unauthorized', creds.reason);
    if (!basicAuthMatches(c.req.header('authorization'), creds.user, creds.password)) {
      c.header('WWW-Authenticate', 'Basic realm="sendgrid-inbound"');
      throw new AppError('unauthorized', 'wrong or missing basic auth for the SendGrid inbound webhook');
    }
    const contentType = c.req.header('content-type') ?? '';
    if (!/^multipart\/form-data/i.test(contentType)) {
      throw new AppError('unsupported_media_type', 'SendGrid Inbound Parse posts multipart/form-data');
    }
    const receivedAt = clock.now();
    let email: InboundMessage;
    try {
      // raw bytes: Request.formData() would decode every field as UTF-8 and damage other charsets
      const body = new Uint8Array(await c.req.arrayBuffer());
      // a NUL anywhere (body, subject, a name, a header) would fail the insert: stored without it, never refused
      email = stripNul(await parseSendGridInbound({ body, contentType }, receivedAt, { maxAttachmentBytes: EMAIL_MAX_ATTACHMENT_BYTES }));
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof ChannelInputError) return c.json(errorBody(c, err.code, err.message), inputStatus[err.code]);
      // the parser is pure: what it cannot read now it will never read, so a retry cannot help
      log.warn({ requestId: c.get('requestId'), err }, 'sendgrid inbound: unreadable email');
      return c.json(errorBody(c, 'malformed_payload', 'the email could not be read as a SendGrid Inbound Parse post'), 400);
    }

    const recipients = (email.meta?.recipients as string[] | undefined) ?? [email.to];
    let result;
    try {
      const target = await practiceForEmail(db, recipients, email.threading?.replyToken ?? null);
      if (!target) {
        // SendGrid drops a 4xx: the email is kept in the unrouted holding area for an admin instead
        const held = await holdUnrouted(db, email, receivedAt);
        log.warn({ requestId: c.get('requestId'), unroutedId: held.id }, 'sendgrid inbound to no practice: held');
        return c.json({ id: held.id, conversationId: null, duplicate: held.duplicate, unrouted: true }, 200);
      }
      result = await storeInboundEmail(db, email, target, { receivedAt, requestId: c.get('requestId'), blobs: c.get('deps').blobs });
    } catch (err) {
      throw storeFailure(c, err);
    }
    if (!result.duplicate) relay.nudge();
    log.info({ requestId: c.get('requestId'), messageId: result.messageId, duplicate: result.duplicate }, 'sendgrid inbound stored');
    return c.json({ id: result.messageId, conversationId: result.conversationId, duplicate: result.duplicate }, 200);
  });

  app.post('/webhooks/sendgrid/events', async (c) => {
    const { env, db, clock } = c.get('deps');
    const publicKey = env.SENDGRID_EVENT_PUBLIC_KEY;
    if (!publicKey) {
      throw new AppError('invalid_signature', 'SENDGRID_EVENT_PUBLIC_KEY is not set, so no event webhook can be verified; all are refused');
    }
    const payload = Buffer.from(await c.req.arrayBuffer());
    const verified = verifySendGridEvents({
      publicKey,
      payload,
      signature: c.req.header(SENDGRID_SIGNATURE_HEADER),
      timestamp: c.req.header(SENDGRID_TIMESTAMP_HEADER),
      // a signed batch replayed later (a year-old one was applied) is refused; SendGrid signs each post as it sends it
      now: clock.now(),
      toleranceSeconds: SENDGRID_EVENT_TOLERANCE_SECONDS,
    });
    if (!verified) {
      throw new AppError('invalid_signature', `the ${SENDGRID_SIGNATURE_HEADER} signature does not match the body, or its timestamp is more than ${SENDGRID_EVENT_TOLERANCE_SECONDS / 60} minutes away`);
    }
    let json: unknown;
    try {
      // verified as signed; stored without NULs, which Postgres text cannot hold
      json = stripNul(JSON.parse(payload.toString('utf8')));
    } catch {
      throw new AppError('invalid_json', 'the request body is not valid JSON');
    }
    let events;
    try {
      events = parseSendGridEvents(json);
    } catch (err) {
      if (err instanceof ChannelInputError) return c.json(errorBody(c, err.code, err.message), 400);
      throw err;
    }
    try {
      return c.json(await applySendGridEvents(db, events), 200);
    } catch (err) {
      throw storeFailure(c, err);
    }
  });
}

/** A failure after the input was accepted is ours (database away, deadlock): 503, so SendGrid retries. */
function storeFailure(c: Context<AppEnv>, err: unknown): AppError {
  if (err instanceof AppError) return err;
  // the name and code only: a database message can quote the values it refused
  const e = err as { name?: string; code?: string };
  c.get('deps').log.error({ requestId: c.get('requestId'), error: e?.name, code: e?.code }, 'sendgrid webhook: could not store');
  return new AppError('unavailable', 'could not store this just now; SendGrid will retry');
}
