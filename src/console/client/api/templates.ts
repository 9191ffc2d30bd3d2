// Templates: every purpose, language and channel with the practice's override; preview; save; reset.
import { del, get, post, put, type Page } from './http';

export interface Template {
  purpose: string;
  language: 'en' | 'es';
  channel: 'sms' | 'email' | 'portal' | 'voice';
  audience: 'patient' | 'staff';
  description: string;
  allowedVariables: string[];
  default: { subject: string | null; body: string };
  override: { subject: string | null; body: string; updatedAt: string; updatedById: string | null } | null;
}

export interface Preview {
  source: 'draft' | 'override' | 'default';
  text: string;
  subject: string | null;
  segments: { encoding: 'GSM-7' | 'UCS-2'; count: number; characters: number; unicodeCharacters: string[] } | null;
  warnings: string[];
}

export const listTemplates = (practiceId: string) => get<Page<Template>>('/api/v1/templates', { practiceId });
export const previewTemplate = (input: { practiceId: string; purpose: string; language: string; channel: string; body?: string; subject?: string | null }) =>
  post<Preview>('/api/v1/templates/preview', input);
export const saveTemplate = (key: { purpose: string; language: string; channel: string }, input: { practiceId: string; body: string; subject?: string | null }) =>
  put<Template>(`/api/v1/templates/${key.purpose}/${key.language}/${key.channel}`, input);
export const resetTemplate = (key: { purpose: string; language: string; channel: string }, practiceId: string) =>
  del<Template>(`/api/v1/templates/${key.purpose}/${key.language}/${key.channel}`, { practiceId });
