// Routing rules: the live version, saving, versions, restore, and the dry run.
import { get, post, put, type Page } from './http';

export type Condition = { type: string; not?: boolean; [k: string]: unknown };
export type Action = { type: string; [k: string]: unknown };
export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  match: 'all' | 'any';
  conditions: Condition[];
  actions: Action[];
}

export interface RulesVersion {
  practiceId: string;
  version: number;
  rules: Rule[];
  note: string | null;
  createdAt: string | null;
}

export const liveRules = (practiceId: string) => get<RulesVersion>('/api/v1/rules', { practiceId });
export const saveRules = (practiceId: string, rules: Rule[], note?: string) => put<RulesVersion>('/api/v1/rules', { practiceId, rules, note });
export const ruleVersions = (practiceId: string) =>
  get<Page<{ version: number; note: string | null; createdAt: string; createdById: string | null; rules: number }>>('/api/v1/rules/versions', { practiceId });
export const restoreRules = (practiceId: string, version: number) => post<RulesVersion>('/api/v1/rules/restore', { practiceId, version });

export interface DryRun {
  practiceId: string;
  liveVersion: number;
  total: number;
  truncated: boolean;
  counts: Record<string, { live: number; draft: number }>;
  changed: { messageId: string; conversationId: string; createdAt: string; intent: string; urgency: string; preview: string; differences: string[] }[];
}
export const dryRun = (practiceId: string, rules: Rule[], from: string, to: string) => post<DryRun>('/api/v1/rules/simulate', { practiceId, rules, from, to });
