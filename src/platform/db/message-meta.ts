import { z } from 'zod';

/**
 * What a message carries beside its columns (`messages.meta`). The keys that drive behaviour
 * are named here with their types; channels add facts of their own (SPF results, the Twilio
 * account, charsets), which are kept as they come. Why a message went out is the `purpose`
 * column, not meta.
 */
export const MessageMetaSchema = z.looseObject({
  // ---- inbound, from the channels ----
  /** voice: a voicemail, a missed call; outbound: the missed-call text-back, a keyword reply */
  kind: z.enum(['voicemail', 'missed_call', 'missed_call_text_back', 'keyword_reply', 'call']).optional(),
  /** the caller's IVR choice and language */
  choice: z.string().nullable().optional(),
  language: z.enum(['en', 'es']).optional(),
  callSid: z.string().optional(),
  callId: z.string().optional(),
  durationSeconds: z.number().optional(),
  /** a call placed from the inbox: how it ended */
  callOutcome: z.string().optional(),
  noTranscript: z.boolean().optional(),
  noTranscriptReason: z.string().optional(),
  numberWithheld: z.boolean().optional(),
  /** the missed-call text-back decision */
  textBack: z.object({ at: z.string().optional(), skipped: z.string().optional() }).optional(),
  numMedia: z.number().optional(),
  /** an SMS keyword (STOP, START, HELP...) recognised before triage */
  keyword: z.string().optional(),
  keywordWord: z.string().optional(),
  /** the patient asked to stop messages (triage/opt-out.ts): consent was revoked with this message */
  optOut: z.object({ kind: z.enum(['keyword', 'phrase']), language: z.enum(['en', 'es']) }).optional(),
  /** the patient called the on-call line */
  onCallLine: z.boolean().optional(),
  // ---- email threading ----
  recipients: z.array(z.string()).optional(),
  messageIdDerived: z.boolean().optional(),
  inReplyTo: z.string().nullable().optional(),
  references: z.array(z.string()).optional(),
  /** a forwarded email naming another patient's thread: the conversation it named */
  threadOf: z.string().optional(),
  // ---- outbound ----
  /** the template the text came from */
  template: z.string().optional(),
  html: z.string().optional(),
  thread: z.object({ inReplyTo: z.string().nullable().optional(), references: z.array(z.string()).optional() }).optional(),
  /** the number to send from (a text-back goes from the number that was called) */
  from: z.string().optional(),
  /** the send job counted this text against the outreach cap */
  outreachSlot: z.boolean().optional(),
  textBackAt: z.string().optional(),
  via: z.string().optional(),
  twilioStatus: z.string().optional(),
  reminderId: z.string().optional(),
  appointmentId: z.string().optional(),
  waitlistOfferId: z.string().optional(),
  refillRequestId: z.string().optional(),
  // ---- people ----
  /** a note's @mentions: the colleagues it names (users who may see the conversation) */
  mentions: z.array(z.string()).optional(),
  /** a person's correction of the triage (the corrected labels are the message's triage) */
  triageCorrection: z
    .object({
      intent: z.string(),
      urgency: z.string(),
      needsHuman: z.boolean(),
      original: z.object({ intent: z.string(), urgency: z.string(), needsHuman: z.boolean(), confidence: z.number() }).nullable(),
      byUserId: z.string().nullable(),
      byTokenId: z.string().nullable(),
      at: z.string(),
    })
    .optional(),
});
export type MessageMeta = z.infer<typeof MessageMetaSchema>;

/** Why an outbound message went out. Only `outreach` waits for quiet hours and counts against the automated-text cap. */
export const outboundPurposes = ['reply', 'auto_reply', 'outreach', 'notification'] as const;
export type OutboundPurpose = (typeof outboundPurposes)[number];
