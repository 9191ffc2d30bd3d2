import { createRoute } from '@hono/zod-openapi';
import { requireVoiceCaller, type App } from '../../http/context';
import { requireStaff } from '../../http/auth';
import { bearer, errors, IdParam, json } from '../../http/openapi';
import { twiml, verifiedTwilioParams } from '../../http/twilio-webhook';
import { AppError } from '../../platform/errors';
import {
  PlaceCallSchema,
  PlacedCallSchema,
  callRecorded,
  connectToPatient,
  finishCall,
  outcomeOfDial,
  placeCall,
  recordingNotice,
  staffLegEnded,
} from './outbound-calls';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function callRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/conversations/{id}/call',
      tags: ['conversations'],
      summary: "Call the patient back: ring the staff member's phone first, then bridge to the patient",
      description:
        "Rings `staffPhone` (default: the caller's profile number); on pressing 1 the patient is dialled with the practice's number as caller ID. The call, its outcome and duration join the conversation as an event, with its recording when the practice records calls (media settings; the patient hears a notice first). In simulate mode nothing rings and the event says so. There is no browser softphone: the staff member's own phone takes the call.",
      security: bearer,
      request: { params: IdParam, body: { content: { 'application/json': { schema: PlaceCallSchema } }, required: false } },
      responses: {
        201: json(PlacedCallSchema, 'Ringing (or simulated)'),
        400: errors[400],
        401: errors[401],
        404: errors[404],
        409: errors[409],
        422: { description: 'No staff phone, no patient phone, no practice number, or Twilio refused the call', content: errors[400].content },
        503: { description: 'Twilio could not be reached', content: errors[400].content },
      },
    }),
    async (c) => {
      const deps = c.get('deps');
      const raw = (c.req.header('content-type') ?? '').includes('json') ? c.req.valid('json') : {};
      return c.json(await placeCall(deps.db, deps.env, requireVoiceCaller(deps), requireStaff(c), c.req.valid('param').id, raw ?? {}, deps.clock.now(), c.get('requestId')), 201);
    },
  );

  // Twilio's callbacks for a call placed from the inbox, each signed over its URL (callId included)
  const callIdOf = (url: string) => {
    const id = new URL(url).searchParams.get('callId') ?? '';
    if (!UUID.test(id)) throw new AppError('bad_request', 'callId: missing or not an id');
    return id;
  };

  app.post('/webhooks/twilio/voice/bridge/connect', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    return twiml(c, await connectToPatient(deps.db, deps.env, callIdOf(c.req.url), params.Digits));
  });

  app.post('/webhooks/twilio/voice/bridge/notice', async (c) => {
    const deps = c.get('deps');
    await verifiedTwilioParams(c);
    return twiml(c, await recordingNotice(deps.db, callIdOf(c.req.url)));
  });

  app.post('/webhooks/twilio/voice/bridge/done', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const duration = Number(params.DialCallDuration);
    const outcome = outcomeOfDial(params.DialCallStatus);
    await finishCall(deps.db, callIdOf(c.req.url), outcome, outcome === 'answered' && Number.isFinite(duration) ? duration : null, deps.clock.now());
    return twiml(c, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });

  app.post('/webhooks/twilio/voice/bridge/status', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    await staffLegEnded(deps.db, callIdOf(c.req.url), params.CallStatus ?? '', deps.clock.now());
    return c.body(null, 204);
  });

  app.post('/webhooks/twilio/voice/bridge/recording', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    if (params.RecordingStatus === 'completed' && params.RecordingSid && params.RecordingUrl) {
      const duration = Number(params.RecordingDuration);
      const stored = await callRecorded(
        deps.db,
        callIdOf(c.req.url),
        { recordingSid: params.RecordingSid, recordingUrl: params.RecordingUrl, durationSeconds: Number.isFinite(duration) ? duration : null },
        deps.clock.now(),
        c.get('requestId'),
      );
      if (stored) deps.relay.nudge();
    }
    return c.body(null, 204);
  });
}
