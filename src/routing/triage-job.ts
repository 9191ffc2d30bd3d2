import { count, eq } from 'drizzle-orm';
import type { Database } from '../platform/db/client';
import { conversations, messageAttachments, messages, patients, practices } from '../platform/db/schema';
import type { MessageMeta } from '../platform/db/message-meta';
import { applyAutomation } from '../inbox/people-only';
import { detectOptOut } from '../../triage/opt-out';
import { routeMessage } from './route-message';
import { purposesNamed, revokeAskedInWords } from '../outreach/consent';
import { recordRefillRequest } from '../inbox/refills/refills';
import { defineJob } from '../platform/jobs/registry';
import { answerFromIntent, handleAppointmentReply, settleAnsweredReply } from '../scheduling/appointment-answers';
import { reminderAnswer } from '../../triage/reminder';
import { normalizeText } from '../../triage/normalize';
import type { TriageInput, TriageResult } from '../../triage/types';

/** The triage engine as a port: the job only needs `triage(input)`. */
export interface TriageEngine {
  triage(input: TriageInput): TriageResult;
}

export function triageJob(engine: () => TriageEngine) {
  return defineJob({
    queue: 'triage',
    worker: { concurrency: 4 },
    async exec(deps, job) {
      const messageId = job.data.messageId;
      const [row] = await deps.db
        .select({ m: messages, timeZone: practices.timeZone, patientZone: patients.timeZone, patientId: conversations.patientId })
        .from(messages)
        .innerJoin(conversations, eq(conversations.id, messages.conversationId))
        .innerJoin(practices, eq(practices.id, messages.practiceId))
        .innerJoin(patients, eq(patients.id, conversations.patientId))
        .where(eq(messages.id, messageId));
      if (!row) {
        deps.log.warn({ messageId }, 'triage: message is gone');
        return;
      }
      // a person's correction is already on the message: apply it as it is, never re-classify over it
      if (job.data.corrected === true && row.m.triage) {
        await storeTriage(deps.db, row.m.id, row.m.conversationId, row.m.triage, { corrected: true }, deps.clock.now());
        if (row.m.triage.intent === 'refill_request') await recordRefillRequest(deps.db, { messageId: row.m.id, now: deps.clock.now(), triage: row.m.triage });
        await routeMessage(deps.db, row.m.id, deps.clock.now());
        deps.relay.nudge();
        return;
      }
      // a voicemail with no transcript carries a marker for staff, not the caller's words
      const text = row.m.meta.noTranscript ? '' : [row.m.subject, row.m.body].filter(Boolean).join('\n');
      // a request to stop written in a portal message or said in a voicemail is honoured like a
      // text's (texts and email check theirs on arrival): revoked in the ledger with this message
      const byWords = row.m.direction === 'inbound' && (row.m.channel === 'portal' || (row.m.channel === 'voice' && row.m.meta.kind === 'voicemail'));
      if (byWords && text !== '' && !row.m.meta.optOut) {
        const optOut = detectOptOut(row.m.body);
        if (optOut) {
          const channel = row.m.channel === 'portal' ? 'portal' : 'voice';
          await deps.db.transaction(async (tx) => {
            await revokeAskedInWords(tx, {
              practiceId: row.m.practiceId,
              patientId: row.patientId,
              messageId: row.m.id,
              purposes: purposesNamed(row.m.body, channel),
              source: channel === 'portal' ? 'portal_free_text' : 'voicemail_free_text',
              at: deps.clock.now(),
            });
            row.m.meta = { ...row.m.meta, optOut: { kind: optOut.kind, language: optOut.language } };
            await tx.update(messages).set({ meta: row.m.meta }).where(eq(messages.id, row.m.id));
          });
        }
      }
      const ask = (t: string) => engine().triage({ text: t, channel: row.m.channel, receivedAt: row.m.createdAt, timeZone: row.patientZone ?? row.timeZone });
      const [files] = await deps.db.select({ n: count() }).from(messageAttachments).where(eq(messageAttachments.messageId, row.m.id));
      const result = withChannelFacts(ask(text), { body: text, meta: row.m.meta, attachments: Number(files?.n ?? 0) }, ask);
      await storeTriage(deps.db, row.m.id, row.m.conversationId, result, {}, deps.clock.now());
      // an answer to a reminder or a waitlist offer (C/X/R, a slot number) belongs to them, not to the rules
      if (row.m.channel === 'sms' && row.m.direction === 'inbound') {
        // the bare letter first: normalising spells a lone "R" out as "are"
        const answer = answerFromIntent(reminderAnswer(text.trim().toLowerCase()) ?? reminderAnswer(normalizeText(text)));
        const handled = await handleAppointmentReply(deps.db, {
          messageId: row.m.id,
          patientId: row.patientId,
          conversationId: row.m.conversationId,
          channel: row.m.channel,
          answer,
          text,
          now: deps.clock.now(),
        });
        if (handled) {
          // answered by automation (closed unless something else awaits), or waiting for a person with a due time
          await settleAnsweredReply(deps.db, { conversationId: row.m.conversationId, messageId: row.m.id, now: deps.clock.now(), toPerson: handled === 'to_person' });
          deps.relay.nudge();
          return;
        }
      }
      // a refill request becomes a structured record a clinician approves or denies
      if (result.intent === 'refill_request') await recordRefillRequest(deps.db, { messageId: row.m.id, now: deps.clock.now(), triage: result });
      // the practice's rules act on the result (safety rules first); replies and notices are outbox rows
      await routeMessage(deps.db, row.m.id, deps.clock.now());
      deps.relay.nudge();
    },
  });
}

/**
 * The result goes on the message, and on its conversation so the inbox can filter and rules
 * can act. The conversation's ratings follow the messages that await an answer, through the
 * people-only gate: a routine follow-up never rates down what a person must still handle (a
 * person's correction changes the message itself, so the ratings follow it).
 */
export async function storeTriage(
  db: Database,
  messageId: string,
  conversationId: string,
  result: TriageResult,
  _opts: { corrected?: boolean } = {},
  now: Date = new Date(),
) {
  await db.transaction(async (tx) => {
    await tx.update(messages).set({ triage: result }).where(eq(messages.id, messageId));
    await applyAutomation(tx, conversationId, { intent: result.intent, confidence: result.confidence }, { by: 'triage', now, messageId });
  });
}

/**
 * What the channel knows beats what the words say: a voicemail with no transcript is in the
 * language the caller chose and needs a person to listen; a photo with no text needs a person
 * to look; a request to stop messages that also says something else (a symptom, a refill)
 * still reaches a person.
 */
export function withChannelFacts(
  result: TriageResult,
  m: { body: string; meta: MessageMeta; attachments: number },
  rest: (text: string) => TriageResult,
): TriageResult {
  const out = { ...result };
  if (m.meta.kind === 'voicemail' && (m.meta.language === 'en' || m.meta.language === 'es')) out.language = m.meta.language;
  if (m.meta.kind === 'voicemail' && m.meta.noTranscript) {
    out.needsHuman = true;
    if (out.intent === 'opt_out') out.intent = 'other';
  }
  const media = Math.max(m.attachments, typeof m.meta.numMedia === 'number' ? m.meta.numMedia : 0);
  if (media > 0 && m.body.trim() === '') {
    out.needsHuman = true;
    out.intent = out.intent === 'opt_out' ? 'other' : out.intent;
  }
  if (m.meta.optOut && typeof m.meta.optOut === 'object') {
    // the words around the request to stop, clause by clause
    const remainder = m.body
      .split(/[.!?;\n]+|,\s+|\s+(?:and|but|also|y|pero|tambien|también)\s+/i)
      .map((clause) => clause.trim())
      .filter((clause) => clause !== '' && !detectOptOut(clause))
      .join('. ');
    if (remainder.split(/\s+/).filter(Boolean).length >= 3) {
      const said = rest(remainder);
      const substantive = said.urgency !== 'routine' || said.needsHuman || !['opt_out', 'other', 'general_question'].includes(said.intent);
      if (substantive) {
        out.needsHuman = true;
        if (out.intent === 'opt_out') out.intent = said.intent;
        if (said.urgency !== 'routine' && out.urgency === 'routine') out.urgency = said.urgency;
        out.redFlags = [...new Set([...out.redFlags, ...said.redFlags])];
      }
    }
  }
  return out;
}
