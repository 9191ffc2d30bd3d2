import { readFileSync } from 'node:fs';
import type postgres from 'postgres';

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of stat (11 and 12 after the name and state)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The Postgres backends serving one application on one database (the database must be on this machine). */
export async function backendPids(sql: postgres.Sql, database: string, application: string): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database} and application_name = ${application}`;
  return rows.map((r) => r.pid);
}

/** CPU used by a set of processes between now and the call of the returned function. */
export function cpuMeter(pids: () => number[] | Promise<number[]>) {
  const sum = (ps: number[]) => ps.reduce((a, p) => a + (cpuSeconds(p) ?? 0), 0);
  return async () => {
    const ps = await pids();
    const before = new Map(ps.map((p) => [p, cpuSeconds(p) ?? 0]));
    return async () => {
      let used = 0;
      for (const [p, b] of before) used += (cpuSeconds(p) ?? b) - b;
      // backends that appeared meanwhile count from zero
      const now = await pids();
      used += sum(now.filter((p) => !before.has(p)));
      return used;
    };
  };
}
