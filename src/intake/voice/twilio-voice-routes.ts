import twilio from '../../../channels/twilio-parts';
import {
  parseCallStatusCallback,
  parseIncomingCall,
  parseRecordingCallback,
  parseTranscriptionCallback,
} from '../../../channels/voice/parse';
import { incomingCallTwiml, menuChoiceFrom, menuChoiceTwiml, readVoiceQuery, voicemailDoneTwiml, type VoiceLanguage } from '../../../channels/voice/twiml';
import { callBySid, callStatusChanged, recordingCompleted, startCall, transcriptionArrived, updateCall, voiceSettings } from './calls';
import { practiceByAddress } from '../../practices/practices';
import { holdUnrouted } from '../unrouted';
import type { App } from '../../http/context';
import { channelInputToAppError, twiml, verifiedTwilioParams } from '../../http/twilio-webhook';

/** A caller who dialled a number no practice owns hears why, instead of Twilio's "application error". */
function notInServiceTwiml(): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say({ voice: 'Polly.Joanna', language: 'en-US' }, 'Sorry, this number is not in service. If this is a medical emergency, hang up and dial 9 1 1.');
  r.hangup();
  return r.toString();
}

function parsed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    return channelInputToAppError(err);
  }
}

/** Twilio's voice webhooks (paths in DESIGN.md); every one is signed over PUBLIC_BASE_URL + path + query. */
export function twilioVoiceRoutes(app: App) {
  app.post('/webhooks/twilio/voice', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const incoming = parsed(() => parseIncomingCall(params));
    const practice = await practiceByAddress(deps.db, 'phone', incoming.to);
    if (!practice) {
      // kept for admins (a number removed by mistake must not lose who called)
      const held = await holdUnrouted(
        deps.db,
        { channel: 'voice', providerId: incoming.callSid, to: incoming.to, from: { kind: 'phone', value: incoming.from }, body: 'Call to a number no practice owns', attachments: [], meta: { callerIdKnown: incoming.callerIdKnown }, receivedAt: deps.clock.now() },
        deps.clock.now(),
      );
      deps.log.warn({ requestId: c.get('requestId'), callSid: incoming.callSid, unroutedId: held.id }, 'call to a number no practice owns: held');
      return twiml(c, notInServiceTwiml());
    }
    const call = await startCall(deps.db, practice, incoming, deps.clock.now());
    const language: VoiceLanguage = call.language === 'es' ? 'es' : 'en';
    deps.log.info({ requestId: c.get('requestId'), callId: call.id, inHours: call.inHours }, 'call answered');
    return twiml(c, incomingCallTwiml({ ...voiceSettings(deps.env, practice, call.inHours ?? false, language), language }));
  });

  app.post('/webhooks/twilio/voice/menu', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const incoming = parsed(() => parseIncomingCall(params));
    const q = readVoiceQuery(new URL(c.req.url).search);
    let found = await callBySid(deps.db, incoming.callSid);
    if (!found) {
      const practice = await practiceByAddress(deps.db, 'phone', incoming.to);
      if (!practice) return twiml(c, notInServiceTwiml());
      found = { call: await startCall(deps.db, practice, incoming, deps.clock.now()), practice };
    }
    const { call, practice } = found;
    const inHours = call.inHours ?? false;
    const dialCallStatus = q.event === 'dial' ? params.DialCallStatus || 'failed' : null;
    if (dialCallStatus) {
      // the on-call forward (after hours) or the ring group (in hours, "talk to someone")
      const dialed = q.choice === 'person' ? 'person' : 'urgent';
      const answered = dialCallStatus === 'completed' || dialCallStatus === 'answered';
      await updateCall(deps.db, call.id, answered ? { outcome: 'answered', menuChoice: dialed } : { menuChoice: dialed });
    } else {
      const choice = menuChoiceFrom({ digits: params.Digits, speechResult: params.SpeechResult, inHours });
      if (choice === 'switch') await updateCall(deps.db, call.id, { language: q.language === 'en' ? 'es' : 'en' });
      else await updateCall(deps.db, call.id, { menuChoice: choice ?? 'other', language: q.language });
    }
    return twiml(
      c,
      menuChoiceTwiml({
        ...voiceSettings(deps.env, practice, inHours, q.language),
        language: q.language,
        digits: params.Digits ?? null,
        speechResult: params.SpeechResult ?? null,
        dialCallStatus,
        dialChoice: q.choice,
      }),
    );
  });

  app.post('/webhooks/twilio/voice/recording', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const rec = parsed(() => parseRecordingCallback(params));
    const q = readVoiceQuery(new URL(c.req.url).search);
    const found = await callBySid(deps.db, rec.callSid);
    if (q.event !== 'status') {
      // the Record action: the caller finished; Twilio only asks when something was recorded
      if (found) await updateCall(deps.db, found.call.id, { ...(q.choice ? { menuChoice: q.choice } : {}), language: q.language, ...(found.call.outcome ? {} : { outcome: 'voicemail' }) });
      return twiml(c, voicemailDoneTwiml(q.language));
    }
    if (!found) {
      deps.log.warn({ requestId: c.get('requestId'), callSid: rec.callSid }, 'recording for an unknown call');
      return c.body(null, 204);
    }
    if (rec.status === 'completed') {
      const r = await recordingCompleted(deps.db, deps.env, {
        rec,
        call: found.call,
        practice: found.practice,
        choice: q.choice,
        language: q.language,
        now: deps.clock.now(),
        requestId: c.get('requestId'),
      });
      if (r.wroteOutbox) deps.relay.nudge();
    } else if (rec.status === 'absent' || rec.status === 'failed') {
      // nothing was recorded: the call counts as missed when it ends
      if (found.call.outcome === 'voicemail' && !found.call.endedAt) await updateCall(deps.db, found.call.id, { outcome: null });
    }
    return c.body(null, 204);
  });

  app.post('/webhooks/twilio/voice/transcription', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const tr = parsed(() => parseTranscriptionCallback(params));
    const q = readVoiceQuery(new URL(c.req.url).search);
    const r = await transcriptionArrived(deps.db, {
      tr,
      recordingUrl: params.RecordingUrl || null,
      choice: q.choice,
      language: q.language,
      now: deps.clock.now(),
      requestId: c.get('requestId'),
    });
    if (r.landed) deps.relay.nudge();
    return c.body(null, 204);
  });

  app.post('/webhooks/twilio/voice/status', async (c) => {
    const deps = c.get('deps');
    const params = await verifiedTwilioParams(c);
    const status = parsed(() => parseCallStatusCallback(params));
    const practice = status.to ? await practiceByAddress(deps.db, 'phone', status.to) : null;
    const r = await callStatusChanged(deps.db, { status, practiceForNewCall: practice, now: deps.clock.now(), requestId: c.get('requestId') });
    if (r.wroteOutbox) deps.relay.nudge();
    deps.log.info({ requestId: c.get('requestId'), callSid: status.callSid, outcome: r.outcome, textBack: r.textBack?.send ?? null }, 'call status');
    return c.body(null, 204);
  });
}
