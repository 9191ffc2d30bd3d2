import type { TokenRole } from '../platform/db/schema';

/** Who is calling, and what they were granted. Everything not granted is denied. */
export interface Principal {
  kind: 'user' | 'token';
  userId: string | null;
  tokenId: string | null;
  role: TokenRole;
  /** 'all' only for admins (and admin tokens made without a practice) */
  practiceIds: 'all' | string[];
  /** assistants see only conversations in these queues (or assigned to them); null: every queue of their practices */
  queueIds: string[] | null;
  /** for the console's cookie sessions: unsafe methods must echo it */
  csrfToken?: string;
}

export function canSeePractice(p: Principal, practiceId: string): boolean {
  if (p.role === 'portal') return false;
  return p.practiceIds === 'all' || p.practiceIds.includes(practiceId);
}

export function canSeeQueue(p: Principal, practiceId: string, queueId: string | null, assigneeId: string | null): boolean {
  if (!canSeePractice(p, practiceId)) return false;
  if (p.queueIds === null) return true;
  if (assigneeId && assigneeId === p.userId) return true;
  return queueId !== null && p.queueIds.includes(queueId);
}

export const isAdmin = (p: Principal) => p.role === 'admin';
/** An admin of every practice (a token or user made without a practice); a scoped admin is an admin of its practices only. */
export const isGlobalAdmin = (p: Principal) => p.role === 'admin' && p.practiceIds === 'all';
/** Every one of these practices is the caller's (an empty list is inside only a global scope). */
export const coversPractices = (p: Principal, practiceIds: readonly string[]) =>
  p.practiceIds === 'all' || (practiceIds.length > 0 && practiceIds.every((id) => canSeePractice(p, id)));
export const isManagerOf = (p: Principal, practiceId: string) =>
  p.role === 'admin' ? canSeePractice(p, practiceId) : p.role === 'manager' && canSeePractice(p, practiceId);
