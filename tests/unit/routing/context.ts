import type { RoutingContext } from '../../../triage/routing/index.js';
import type { TriageResult } from '../../../triage/types.js';

export const NOW = '2026-03-10T15:00:00.000Z';

export interface ContextPatch {
  triage?: Partial<TriageResult>;
  message?: Partial<RoutingContext['message']>;
  conversation?: RoutingContext['conversation'];
  patient?: Partial<RoutingContext['patient']>;
  practice?: Partial<RoutingContext['practice']>;
  fromOnCallLine?: boolean;
  now?: Date | string;
}

/** A routine inbound SMS from a known patient during business hours, patched as needed. */
export function context(patch: ContextPatch = {}): RoutingContext {
  return {
    triage: {
      intent: 'general_question',
      urgency: 'routine',
      confidence: 0.9,
      language: 'en',
      entities: {},
      redFlags: [],
      needsHuman: false,
      ...patch.triage,
    },
    message: {
      channel: 'sms',
      body: 'hello',
      direction: 'inbound',
      authorType: 'patient',
      createdAt: '2026-03-10T14:59:00.000Z',
      ...patch.message,
    },
    conversation: { ...patch.conversation },
    patient: { isNew: false, tags: [], ...patch.patient },
    practice: { inBusinessHours: true, timeZone: 'America/New_York', ...patch.practice },
    fromOnCallLine: patch.fromOnCallLine ?? false,
    now: patch.now ?? NOW,
  };
}
