// Conversations: the inbox list, one conversation, what sits beside it, and the actions.
import { get, post, put, type Page } from './http';

export type Channel = 'sms' | 'voice' | 'email' | 'portal';
export type Urgency = 'emergency' | 'urgent' | 'routine';
export type Status = 'open' | 'pending' | 'snoozed' | 'resolved';

export interface InboxItem {
  id: string;
  practiceId: string;
  status: Status;
  channel: Channel;
  subject: string | null;
  intent: string | null;
  urgency: Urgency | null;
  needsHuman: boolean;
  queue: { id: string; key: string; name: string } | null;
  assignee: { id: string; name: string | null; email: string } | null;
  patient: { id: string; firstName: string | null; lastName: string | null };
  preview: string | null;
  previewAt: string | null;
  redFlags: string[];
  awaitingReply: boolean;
  slaDueAt: string | null;
  snoozedUntil: string | null;
  lastMessageAt: string;
  waitingSince: string;
  createdAt: string;
}

export interface InboxQuery {
  practiceId?: string;
  status?: Status | 'all';
  queue?: string;
  assignee?: string;
  mentions?: 'me';
  urgency?: Urgency;
  channel?: Channel;
  q?: string;
  cursor?: string;
  limit?: number;
}

export const listInbox = (q: InboxQuery) => get<Page<InboxItem> & { now: string }>('/api/v1/inbox', { ...q });

export interface Triage {
  intent: string;
  urgency: Urgency;
  confidence: number;
  language: string;
  entities: Record<string, unknown>;
  redFlags: string[];
  needsHuman: boolean;
}

export interface Attachment {
  id?: string;
  name: string | null;
  contentType: string;
  size: number | null;
  /** our own origin's URL for the file (records API); absent where that API is not there yet */
  url?: string | null;
}

export interface Message {
  id: string;
  direction: 'inbound' | 'outbound';
  kind: 'message' | 'note' | 'event';
  channel: Channel;
  subject: string | null;
  body: string;
  originalBody: string | null;
  status: string;
  errorCode: string | null;
  errorMessage?: string | null;
  author: { type: 'patient' | 'user' | 'automation' | 'system'; userId: string | null; name: string | null };
  createdAt: string;
  triage: Triage | null;
  attachments: Attachment[];
}

export interface Conversation {
  id: string;
  practiceId: string;
  status: Status;
  channel: Channel;
  subject: string | null;
  intent: string | null;
  urgency: Urgency | null;
  needsHuman: boolean;
  queue: { id: string; key: string; name: string } | null;
  assigneeId: string | null;
  slaDueAt: string | null;
  lastMessageAt: string;
  createdAt: string;
  patient: { id: string; firstName: string | null; lastName: string | null; contactPoints: { kind: string; value: string }[] };
  messages: Message[];
  playbook: { queue: { id: string; key: string; name: string }; items: { key: string; label: string; entity: string | null; value: string | null }[] } | null;
}

export const getConversation = (id: string) => get<Conversation>(`/api/v1/conversations/${id}`);

export type Consent = 'unknown' | 'granted' | 'revoked';

export interface ConversationContext {
  conversationId: string;
  now: string;
  assignee: { id: string; name: string | null; email: string } | null;
  patient: {
    id: string;
    firstName: string | null;
    lastName: string | null;
    dateOfBirth: string | null;
    language: string;
    tags: string[];
    contactPoints: { id: string; kind: 'phone' | 'email' | 'portal'; value: string; smsConsent: Consent; emailConsent: Consent; undeliverable: boolean; canReceiveSms: boolean | null }[];
  };
  upcomingAppointments: { id: string; startsAt: string; durationMinutes: number; type: string | null; provider: string | null; status: string }[];
  otherConversations: { id: string; channel: Channel; status: string; subject: string | null; intent: string | null; urgency: string | null; lastMessageAt: string; preview: string | null }[];
  checklist: { key: string; checkedAt: string; checkedBy: string | null }[];
  voicemails: { messageId: string; durationSeconds: number | null; transcriptionStatus: string | null; hasTranscript: boolean }[];
  replyChannels: { channel: Channel; available: boolean; reason: string | null }[];
  defaultReplyChannel: Channel | null;
}

export const getContext = (id: string) => get<ConversationContext>(`/api/v1/conversations/${id}/context`);

export interface CannedAnswer {
  purpose: string;
  description: string;
  language: 'en' | 'es';
  channel: 'sms' | 'email' | 'portal';
  text: string;
  subject: string | null;
  segments: number | null;
}

export const cannedAnswers = (id: string, channel?: string, language?: string) =>
  get<Page<CannedAnswer>>(`/api/v1/conversations/${id}/canned-answers`, { channel, language });

export interface ReplyInput {
  kind: 'reply' | 'note';
  body: string;
  channel?: Channel;
  subject?: string;
  seenMessageId?: string;
  confirm?: boolean;
  then?: 'pending' | 'open' | 'resolved';
}

export const sendMessage = (id: string, input: ReplyInput) => post<{ messageId: string; kind: string; status: string }>(`/api/v1/conversations/${id}/messages`, input);
export const assign = (id: string, input: { assigneeId?: string | null; queue?: string }) => post(`/api/v1/conversations/${id}/assign`, input);

/** A person closing people-only work without a reply confirms with a reason (safety API); harmless where it is not asked. */
export interface Confirmation {
  confirm?: boolean;
  reason?: string;
}
export const snooze = (id: string, until: string, c: Confirmation = {}) => post(`/api/v1/conversations/${id}/snooze`, { until, ...c });
export const resolve = (id: string, c: Confirmation = {}) => post(`/api/v1/conversations/${id}/resolve`, c);
export const reopen = (id: string) => post(`/api/v1/conversations/${id}/reopen`, {});
export const setChecklist = (id: string, key: string, checked: boolean) => put(`/api/v1/conversations/${id}/checklist/${key}`, { checked });
export const correctTriage = (messageId: string, input: { intent?: string; urgency?: Urgency; needsHuman?: boolean; note?: string }) =>
  post<{ messageId: string; triage: Triage }>(`/api/v1/messages/${messageId}/triage`, input);

/** Calls (records API): ring the staff member, then bridge to the patient. */
export const callPatient = (id: string, staffPhone?: string) => post<{ callId?: string }>(`/api/v1/conversations/${id}/call`, staffPhone ? { staffPhone } : {});
