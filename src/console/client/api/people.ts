// Users (admins) and assistants (presence, capacity, skills, queues).
import { get, patch, post, type Page } from './http';
import type { Role } from './session';

export interface User {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  active: boolean;
  presence: string;
  practiceIds: string[];
  queueIds: string[];
  createdAt: string;
}

export const listUsers = () => get<Page<User>>('/api/v1/users');
export const addUser = (input: { email: string; name?: string; role: Role; practices: string[]; queues?: string[]; password?: string }) =>
  post<{ user: User; password: string | null }>('/api/v1/users', input);
export const updateUser = (id: string, input: { name?: string | null; role?: Role; practices?: string[]; queueIds?: string[] }) => patch<User>(`/api/v1/users/${id}`, input);
export const deactivateUser = (id: string) => post<User>(`/api/v1/users/${id}/deactivate`, {});
export const reactivateUser = (id: string) => post<User>(`/api/v1/users/${id}/reactivate`, {});
export const resetPassword = (id: string) => post<{ user: User; password: string | null }>(`/api/v1/users/${id}/password`, {});

export type Presence = 'available' | 'away' | 'offline';

export interface Assistant {
  id: string;
  email: string;
  name: string | null;
  presence: Presence;
  capacity: number;
  skills: { languages: string[]; tasks: string[] };
  practiceIds: string[];
  queueIds: string[];
  open: number;
}

export const listAssistants = () => get<Page<Assistant>>('/api/v1/assistants');
export const updateAssistant = (id: string, input: Partial<Pick<Assistant, 'presence' | 'capacity' | 'skills' | 'queueIds'>>) => patch<Assistant>(`/api/v1/assistants/${id}`, input);

export interface Token {
  id: string;
  name: string;
  role: Role | 'portal';
  practiceId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const listTokens = () => get<Page<Token>>('/api/v1/tokens');
export const createToken = (input: { name: string; role: Token['role']; practice?: string }) => post<Token & { token: string }>('/api/v1/tokens', input);
import { del } from './http';
export const revokeToken = (id: string) => del<Token>(`/api/v1/tokens/${id}`);
