import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { AppError } from '../platform/errors';
import { authenticate } from '../http/auth';
import { inputGuard } from '../http/input-guard';
import type { AppDeps, AppEnv } from '../http/context';
import type { Env } from '../platform/env';
import { describeZodError, errorBody, handleError } from '../http/errors';
import { appointmentRoutes } from '../scheduling/appointment-routes';
import { appointmentImportRoutes } from '../scheduling/appointment-import-routes';
import { ehrRoutes } from '../scheduling/ehr/ehr-routes';
import { consoleRoutes } from '../console/routes';
import { announceChanges, liveRoutes } from '../console/live-routes';
import { figuresRoutes } from '../console/figures-routes';
import { inboxRoutes } from '../inbox/inbox-routes';
import { metricsRoutes } from '../inbox/metrics-routes';
import { officeSettingsRoutes } from '../practices/office-settings-routes';
import { userAdminRoutes } from '../staff/user-admin-routes';
import { conversationActionRoutes, conversationRoutes } from '../inbox/conversation-routes';
import { messageRoutes } from '../routing/message-routes';
import { patientRoutes } from '../patients/patient-routes';
import { peopleRoutes } from '../staff/people-routes';
import { portalRoutes } from '../intake/portal/portal-routes';
import { practiceRoutes } from '../practices/practice-routes';
import { queueRoutes } from '../inbox/queue-routes';
import { refillRoutes } from '../inbox/refills/refill-routes';
import { reminderRoutes } from '../scheduling/reminders/reminder-routes';
import { twilioVoiceReminderRoutes } from '../scheduling/reminders/voice-reminder-routes';
import { ruleRoutes } from '../routing/rule-routes';
import { sendgridRoutes } from '../intake/email/sendgrid-routes';
import { sessionRoutes } from '../staff/session-routes';
import { systemRoutes } from '../http/system-routes';
import { templateRoutes } from '../outreach/template-routes';
import { twilioSmsRoutes } from '../intake/sms/twilio-sms-routes';
import { twilioVoiceRoutes } from '../intake/voice/twilio-voice-routes';
import { unroutedRoutes } from '../intake/unrouted-routes';
import { consentRoutes } from '../outreach/consent-routes';
import { attachmentRoutes } from '../inbox/attachments/attachment-routes';
import { mediaSettingsRoutes } from '../practices/media-settings-routes';
import { callRoutes } from '../inbox/calls/call-routes';
import { profileRoutes } from '../staff/profile-routes';
import { auditRoutes } from '../staff/audit-routes';
import { qaRoutes } from '../staff/qa-routes';

const MB = 1024 * 1024;

/**
 * Body limits per route, sized for who posts there: SendGrid's Inbound Parse posts up to
 * 30 MB; Twilio's form posts are a few KB; our JSON APIs take far less.
 */
export const bodyLimits: { prefix: string; maxBytes: number }[] = [
  { prefix: '/webhooks/sendgrid/inbound', maxBytes: 31 * MB },
  { prefix: '/webhooks/sendgrid/events', maxBytes: 5 * MB },
  { prefix: '/webhooks/twilio/', maxBytes: 64 * 1024 },
  // a portal message may carry its files inline (base64, 10 MB each)
  { prefix: '/api/v1/portal/', maxBytes: 16 * MB },
  // staff uploads (an MMS image, an email attachment) of up to 20 MB, with the multipart framing
  { prefix: '/api/v1/attachments', maxBytes: 21 * MB },
  { prefix: '/api/v1/imports/', maxBytes: 20 * MB },
  // a schedule's CSV or FHIR Bundle
  { prefix: '/api/v1/appointments/import', maxBytes: 20 * MB },
  { prefix: '/api/v1/', maxBytes: 256 * 1024 },
  { prefix: '/', maxBytes: 64 * 1024 },
];

/**
 * Deps opened for each request and released once it is answered. The edge opens its database
 * client this way, since a Worker's sockets belong to the request that opened them; Node hands
 * one AppDeps (one pool for the process) instead.
 */
export interface DepsPerRequest {
  /** the configuration, the same for every request */
  env: Env;
  open(c: Context<AppEnv>): { deps: AppDeps; release(): void };
}

export function createApp(deps: AppDeps | DepsPerRequest) {
  const perRequest = 'open' in deps ? deps : undefined;
  const app = new OpenAPIHono<AppEnv>({
    // a request that fails its schema gets 400 with the field named, from the same zod schema the docs show
    defaultHook: (result) => {
      if (!result.success) throw new AppError('validation_failed', describeZodError(result.error));
    },
  });

  app.use('*', requestId({ limitLength: 64 }));
  app.use('*', async (c, next) => {
    const scoped = perRequest?.open(c);
    const requestDeps = scoped?.deps ?? (deps as AppDeps);
    c.set('deps', requestDeps);
    c.set('principal', null);
    const started = performance.now();
    try {
      await next();
    } finally {
      scoped?.release();
    }
    // ids and shapes only: never bodies, query strings (they may hold search text), names or numbers
    requestDeps.log.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        // the route's pattern: a concrete path can carry data (a 404 for /api/v1/patients/<email>)
        path: c.req.routePath === '*' ? '/*' : c.req.routePath,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        tokenId: c.get('principal')?.tokenId ?? undefined,
        userId: c.get('principal')?.userId ?? undefined,
      },
      'request',
    );
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
      // not hono's default no-referrer: under it Chromium sends `Origin: null` on our own form
      // posts (sign-out), which the same-origin check rightly refuses; same-origin still sends
      // nothing to other sites
      referrerPolicy: 'same-origin',
      strictTransportSecurity: deps.env.PUBLIC_BASE_URL.startsWith('https://') ? 'max-age=63072000; includeSubDomains' : false,
      // a route that sets its own (stricter) policy keeps it: served files are sandboxed
      overwrite: false,
    }),
  );
  // hono's bodyLimit asks for the Fetch body before it reads the declared length, which makes
  // @hono/node-server build a whole Request (an abort signal, a web stream) for every request:
  // a declared length is checked here from the header alone, as bodyLimit would; a body without
  // one (chunked) is counted by bodyLimit as it arrives
  const limiters = new Map(
    bodyLimits.map((l) => [
      l,
      bodyLimit({
        maxSize: l.maxBytes,
        onError: (c2) => c2.json(errorBody(c2 as never, 'payload_too_large', `the body is larger than this route takes (${l.maxBytes} bytes)`), 413),
      }),
    ]),
  );
  app.use('*', async (c, next) => {
    const limit = bodyLimits.find((l) => c.req.path.startsWith(l.prefix))!;
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number.parseInt(declared, 10) > limit.maxBytes) {
        return c.json(errorBody(c as never, 'payload_too_large', `the body is larger than this route takes (${limit.maxBytes} bytes)`), 413);
      }
      return next();
    }
    return limiters.get(limit)!(c, next);
  });
  app.use('/api/v1/*', authenticate());
  app.use('*', inputGuard());
  app.use('/api/v1/*', announceChanges());

  systemRoutes(app);
  sessionRoutes(app);
  consoleRoutes(app);
  practiceRoutes(app);
  queueRoutes(app);
  templateRoutes(app);
  refillRoutes(app);
  reminderRoutes(app);
  ruleRoutes(app);
  conversationRoutes(app);
  conversationActionRoutes(app);
  messageRoutes(app);
  peopleRoutes(app);
  sendgridRoutes(app);
  portalRoutes(app);
  patientRoutes(app);
  appointmentRoutes(app);
  unroutedRoutes(app);
  consentRoutes(app);
  appointmentImportRoutes(app);
  ehrRoutes(app);
  twilioSmsRoutes(app);
  twilioVoiceReminderRoutes(app);
  twilioVoiceRoutes(app);
  attachmentRoutes(app);
  mediaSettingsRoutes(app);
  callRoutes(app);
  profileRoutes(app);
  auditRoutes(app);
  qaRoutes(app);
  // the console's live updates, inbox reads, figures, user admin and office settings
  liveRoutes(app);
  inboxRoutes(app);
  metricsRoutes(app);
  figuresRoutes(app);
  userAdminRoutes(app);
  officeSettingsRoutes(app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'cookieAuth', { type: 'apiKey', in: 'cookie', name: 'sb_session' });
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard API',
      version: '1.0.0',
      description:
        'Patient communication and triage hub. Authenticate with `Authorization: Bearer <token>` (make one with `npm run cli -- tokens create`), or the console session cookie plus `X-CSRF-Token` on changes.',
    },
  });

  app.notFound((c) => c.json(errorBody(c, 'not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError(handleError);
  return app;
}
