import { eq } from 'drizzle-orm';
import { calls, practices, recordings } from '../../platform/db/schema';
import { landVoicemail } from './calls';
import { transcriptionProviderFor } from './transcription';
import type { NoTranscriptReason } from '../../../channels/voice/parse';
import type { VoiceLanguage } from '../../../channels/voice/twiml';
import { addJob } from '../../platform/jobs/catalog';
import { defineJob, type JobDeps } from '../../platform/jobs/registry';

/** Voice Intelligence takes tens of seconds to minutes: ask again this often, this many times. */
export const TRANSCRIPT_POLL_MS = 15_000;
export const TRANSCRIPT_MAX_POLLS = 40;

/**
 * Voicemails that could not land at once:
 * - `finalize`: Twilio's transcription callback never came; land it marked "no transcript";
 * - `transcribe`: hand a Spanish recording to the TranscriptionProvider;
 * - `poll`: ask the provider about a pending transcript (kept as a due outbox row, so the
 *   fake clock drives it in tests and a restart forgets nothing).
 */
export function voicemailJob() {
  return defineJob({
    queue: 'voicemail',
    worker: { concurrency: 2 },
    attempts: 5,
    backoffMs: 5_000,
    async exec(deps, job) {
      const { recordingId, step } = job.data;
      const requestId = job.data.requestId ?? null;
      const [row] = await deps.db
        .select({ recording: recordings, call: calls, practice: practices })
        .from(recordings)
        .innerJoin(calls, eq(calls.id, recordings.callId))
        .innerJoin(practices, eq(practices.id, calls.practiceId))
        .where(eq(recordings.id, recordingId));
      if (!row || row.recording.messageId) return;
      const language: VoiceLanguage = row.call.language === 'es' ? 'es' : 'en';
      const land = (transcript: string | null, reason?: NoTranscriptReason) =>
        deps.db.transaction(async (tx) => {
          const [locked] = await tx.select().from(recordings).where(eq(recordings.id, recordingId)).for('update');
          if (!locked || locked.messageId) return;
          await landVoicemail(tx, { recording: locked, call: row.call, transcript, ...(reason ? { noTranscriptReason: reason } : {}), language, receivedAt: deps.clock.now(), requestId });
        });

      if (step === 'finalize') {
        await land(null, 'failed');
        deps.relay.nudge();
        return;
      }
      const provider = transcriptionProviderFor(deps.env, row.practice);
      try {
        if (step === 'transcribe') {
          const result = await provider.transcribe({ recordingUrl: row.recording.url, recordingSid: row.recording.recordingSid, language });
          if ('text' in result) await land(result.text || null, 'failed');
          else if ('unavailable' in result) await land(null, 'simulated');
          else await schedulePoll(deps, recordingId, result.id, 1, requestId);
        } else {
          const transcriptId = job.data.transcriptId ?? '';
          const polls = job.data.polls ?? 1;
          const status = await provider.fetch(transcriptId);
          if (status.state === 'completed') await land(status.text || null, 'failed');
          else if (status.state === 'failed' || polls >= TRANSCRIPT_MAX_POLLS) await land(null, 'failed');
          else await schedulePoll(deps, recordingId, transcriptId, polls + 1, requestId);
        }
      } catch (err) {
        // the provider keeps failing: the voicemail must still reach the inbox
        if (!job.finalAttempt) throw err;
        deps.log.warn({ err, recordingId }, 'transcription failed; voicemail lands without a transcript');
        await land(null, 'failed');
      }
      deps.relay.nudge();
    },
  });
}

async function schedulePoll(deps: JobDeps, recordingId: string, transcriptId: string, polls: number, requestId: string | null) {
  await addJob(
    deps.db,
    'voicemail',
    { recordingId, step: 'poll', transcriptId, polls, requestId },
    { runAt: new Date(deps.clock.now().getTime() + TRANSCRIPT_POLL_MS), dedupeKey: `voicemail:${recordingId}:poll:${polls}` },
  );
}
