// Figures: the numbers of a period, the chart images drawn from them, and the CSV export.
import { get, withQuery } from './http';

export interface FiguresQuery {
  practiceId?: string;
  from?: string;
  to?: string;
}

type Counts = Record<string, number>;
export interface Figures {
  from: string;
  to: string;
  practices: { id: string; name: string; timeZone: string }[];
  volume: { total: number; byChannel: Counts; byIntent: Counts; days: { date: string; total: number; byChannel: Counts; byIntent: Counts }[] };
  firstResponse: { conversations: number; medianMinutes: number | null; p90Minutes: number | null; days: { date: string; conversations: number; medianMinutes: number | null; p90Minutes: number | null }[] };
  sla: { met: number; breached: number; pending: number; attainment: number | null };
  automation: { conversations: number; answeredAutomatically: number; share: number | null };
  backlog: { practiceId: string; queueId: string | null; key: string; name: string; open: number; pending: number; snoozed: number; unassigned: number; breached: number; oldestWaitingSince: string | null }[];
  missedCalls: { missed: number; textBacksSent: number; textBacksSkipped: number; recovered: number; recoveryRate: number | null };
  reminders: { appointments: number; remindersSent: number; passed: number; reminded: number; confirmed: number; confirmationRate: number | null; noShows: number; noShowRate: number | null };
}

export const getFigures = (q: FiguresQuery) => get<Figures>('/api/v1/metrics/inbox', { ...q });
export const chartUrl = (name: string, q: FiguresQuery) => withQuery(`/api/v1/metrics/charts/${name}.svg`, { ...q });
export const csvUrl = (q: FiguresQuery) => withQuery('/api/v1/metrics/inbox', { ...q, format: 'csv' });
