import { eq } from 'drizzle-orm';
import type { Database, Transaction } from '../platform/db/client';
import { messages } from '../platform/db/schema';
import type { MessageMeta } from '../platform/db/message-meta';
import { applyAutomationTo, pendingWork, type Pending } from '../inbox/people-only';
import { detectOptOut } from '../../triage/opt-out';
import { routeLoaded, routeMessage } from './route-message';
import { loadForTriage, type LoadedForTriage } from './routing-context';
import { purposesNamed, revokeAskedInWords } from '../outreach/consent';
import { recordRefillRequest } from '../inbox/refills/refills';
import { defineJob } from '../platform/jobs/registry';
import { answerFromIntent, handleAppointmentReply, mayAnswerAppointment, settleAnsweredReply, type AppointmentAnswer } from '../scheduling/appointment-answers';
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
      const now = deps.clock.now();
      const run = () => deps.db.transaction((tx) => triageAndRoute(tx, engine, messageId, job.data.corrected === true, now));
      let outcome = await run();
      if (outcome.kind === 'opt_out_in_words') {
        // the request to stop is honoured in a transaction of its own, kept whatever happens to
        // the rest of the job; then the job runs on the message that now carries it
        await honourOptOutInWords(deps.db, outcome.loaded, now);
        outcome = await run();
        if (outcome.kind === 'opt_out_in_words') throw new Error(`triage: the request to stop in message ${messageId} was not recorded`);
      }
      if (outcome.kind === 'gone') {
        deps.log.warn({ messageId }, 'triage: message is gone');
        return;
      }
      if (outcome.kind === 'appointment_answer') {
        // stored and committed first: the answer's own transactions read the triaged message
        const { loaded: l, answer, text, result } = outcome;
        const handled = await handleAppointmentReply(deps.db, {
          messageId,
          patientId: l.conversation.patientId,
          conversationId: l.conversation.id,
          channel: l.message.channel,
          answer,
          text,
          now,
        });
        if (handled) {
          // answered by automation (closed unless something else awaits), or waiting for a person with a due time
          await settleAnsweredReply(deps.db, { conversationId: l.conversation.id, messageId, now, toPerson: handled === 'to_person' });
          deps.relay.nudge();
          return;
        }
        // a refill request becomes a structured record a clinician approves or denies
        if (result.intent === 'refill_request') await recordRefillRequest(deps.db, { messageId, now, triage: result });
        await routeMessage(deps.db, messageId, now);
      }
      deps.relay.nudge();
    },
  });
}

type Outcome =
  | { kind: 'gone' }
  | { kind: 'done' }
  /** a request to stop written in a portal message or said in a voicemail, not yet recorded */
  | { kind: 'opt_out_in_words'; loaded: LoadedForTriage }
  /** triaged and stored (committed with this transaction): it may answer a reminder or an offer */
  | { kind: 'appointment_answer'; loaded: LoadedForTriage; answer: AppointmentAnswer | null; text: string; result: TriageResult };

/**
 * One transaction for the whole job: one read of the message with its conversation locked,
 * the triage, then the result stored, the refill request recorded and the practice's rules
 * carried out, with one pass of the people-only gate for the triage's change and the plan.
 * A text that may answer a reminder or an offer stops after the triage is stored: the answer
 * is handled in transactions of its own (scheduling/appointment-answers.ts), routing after.
 */
async function triageAndRoute(tx: Transaction, engine: () => TriageEngine, messageId: string, corrected: boolean, now: Date): Promise<Outcome> {
  const l = await loadForTriage(tx, messageId);
  if (!l) return { kind: 'gone' };
  const m = l.message;
  // a person's correction is already on the message: apply it as it is, never re-classify over it
  if (corrected && m.triage) return storeAndRoute(tx, l, now);
  // a voicemail with no transcript carries a marker for staff, not the caller's words
  const text = m.meta.noTranscript ? '' : [m.subject, m.body].filter(Boolean).join('\n');
  // a request to stop written in a portal message or said in a voicemail is honoured like a
  // text's (texts and email check theirs on arrival): revoked in the ledger with this message
  const byWords = m.direction === 'inbound' && (m.channel === 'portal' || (m.channel === 'voice' && m.meta.kind === 'voicemail'));
  if (byWords && text !== '' && !m.meta.optOut && detectOptOut(m.body)) return { kind: 'opt_out_in_words', loaded: l };
  const ask = (t: string) => engine().triage({ text: t, channel: m.channel, receivedAt: m.createdAt, timeZone: l.patient.timeZone ?? l.practice.timeZone });
  const result = withChannelFacts(ask(text), { body: text, meta: m.meta, attachments: l.attachments }, ask);
  await tx.update(messages).set({ triage: result }).where(eq(messages.id, m.id)).prepare('sb_triage_store').execute();
  l.message = { ...m, triage: result };
  // an answer to a reminder or a waitlist offer (C/X/R, a slot number) belongs to them, not to the rules
  if (m.channel === 'sms' && m.direction === 'inbound') {
    // the bare letter first: normalising spells a lone "R" out as "are"
    const answer = answerFromIntent(reminderAnswer(text.trim().toLowerCase()) ?? reminderAnswer(normalizeText(text)));
    if (mayAnswerAppointment(answer, text)) {
      await applyTriageToConversation(tx, l, await pendingWork(tx, l.conversation.id), now);
      return { kind: 'appointment_answer', loaded: l, answer, text, result };
    }
  }
  return storeAndRoute(tx, l, now);
}

/**
 * The triage stored on `l.message` goes on its conversation, so the inbox can filter and rules
 * can act, and through the rules. The conversation's ratings follow the messages that await an
 * answer, through the people-only gate: a routine follow-up never rates down what a person
 * must still handle (a person's correction changes the message itself, so the ratings follow it).
 */
async function storeAndRoute(tx: Transaction, l: LoadedForTriage, now: Date): Promise<Outcome> {
  const m = l.message;
  const result = m.triage!;
  // the messages awaiting an answer, read after the result was stored (this message is one)
  const pending = await pendingWork(tx, l.conversation.id);
  if (m.direction !== 'inbound') {
    await applyTriageToConversation(tx, l, pending, now);
    return { kind: 'done' };
  }
  // a refill request becomes a structured record a clinician approves or denies
  if (result.intent === 'refill_request') {
    await recordRefillRequest(tx, {
      messageId: m.id,
      now,
      triage: result,
      message: { id: m.id, practiceId: m.practiceId, conversationId: m.conversationId, direction: m.direction, kind: m.kind, triage: result, patientId: l.conversation.patientId },
    });
  }
  // the practice's rules act on the result (safety rules first); replies and notices are outbox rows
  await routeLoaded(tx, l, pending, { now, triaged: { intent: result.intent, confidence: result.confidence } });
  return { kind: 'done' };
}

/** The triage's own change of the conversation alone, through the people-only gate. */
async function applyTriageToConversation(tx: Transaction, l: LoadedForTriage, pending: Pending, now: Date) {
  const result = l.message.triage!;
  await applyAutomationTo(
    tx,
    { conversation: l.conversation, urgentQueueIds: new Set(l.queues.filter((q) => q.urgent).map((q) => q.id)), pending },
    { intent: result.intent, confidence: result.confidence },
    { by: 'triage', now, messageId: l.message.id },
  );
}

/** A request to stop in a portal message's or a voicemail's words, revoked in the ledger with the message. */
async function honourOptOutInWords(db: Database, l: LoadedForTriage, now: Date) {
  const m = l.message;
  const optOut = detectOptOut(m.body)!;
  const channel = m.channel === 'portal' ? 'portal' : 'voice';
  await db.transaction(async (tx) => {
    await revokeAskedInWords(tx, {
      practiceId: m.practiceId,
      patientId: l.conversation.patientId,
      messageId: m.id,
      purposes: purposesNamed(m.body, channel),
      source: channel === 'portal' ? 'portal_free_text' : 'voicemail_free_text',
      at: now,
    });
    await tx.update(messages).set({ meta: { ...m.meta, optOut: { kind: optOut.kind, language: optOut.language } } }).where(eq(messages.id, m.id));
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
