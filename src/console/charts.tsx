import type { Figures } from '../inbox/metrics-routes';

/*
 * The figures page's charts, drawn here as SVG from the same figures the API answers.
 * Server-rendered SVG rather than a chart library: nothing to download or keep up to date,
 * no script (our CSP allows none from elsewhere), text the browser renders crisply at any zoom,
 * and each chart carries its own title and description for screen readers (the page shows the
 * numbers as a table beside it). The charts are plain: bars with labelled axes, colours that
 * stay apart for colour-blind readers (Okabe-Ito), values written on the bars.
 */

export const chartNames = ['volume-by-channel', 'volume-by-intent', 'first-response', 'backlog', 'rates'] as const;
export type ChartName = (typeof chartNames)[number];

const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
const ink = '#1f2937';
const grid = '#d1d5db';
const font = 'system-ui, -apple-system, Segoe UI, sans-serif';

interface Series {
  name: string;
  values: number[];
}

const fmtDay = (d: string) => {
  const [, m, day] = d.split('-');
  return `${Number(m)}/${Number(day)}`;
};

/** A round step for about four grid lines; counts get whole steps. */
function niceStep(max: number, whole: boolean): number {
  const raw = Math.max(max, 1e-9) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((x) => x >= raw && (!whole || Number.isInteger(x))) ?? 10 * p;
  return whole ? Math.max(1, step) : step;
}

function axis(v: number, whole = true): { max: number; ticks: number[] } {
  const step = niceStep(Math.max(v, whole ? 4 : 1), whole);
  const max = Math.max(step, Math.ceil(v / step) * step);
  const ticks: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) ticks.push(Math.round(t * 100) / 100);
  return { max, ticks };
}

function Frame(props: { id: string; title: string; desc: string; width: number; height: number; children: unknown }) {
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${props.width} ${props.height}`}
      width={props.width}
      height={props.height}
      role="img"
      aria-labelledby={`${props.id}-title ${props.id}-desc`}
      font-family={font}
      font-size="12"
    >
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.desc}</desc>
      <rect x="0" y="0" width={props.width} height={props.height} fill="#ffffff" />
      {props.children}
    </svg>
  );
}

function Legend(props: { names: string[]; x: number; y: number }) {
  let x = props.x;
  return (
    <g>
      {props.names.map((n, i) => {
        const at = x;
        x += 22 + n.length * 7;
        return (
          <g>
            <rect x={at} y={props.y - 9} width="12" height="12" fill={palette[i % palette.length]} />
            <text x={at + 16} y={props.y + 1} fill={ink}>
              {n}
            </text>
          </g>
        );
      })}
    </g>
  );
}

/** Columns per category, the series stacked. */
export function StackedColumns(props: { id: string; title: string; desc: string; categories: string[]; series: Series[]; unit?: string }) {
  const width = 720;
  const height = 300;
  const left = 44;
  const right = 12;
  const top = 34;
  const bottom = 40;
  const totals = props.categories.map((_, i) => props.series.reduce((s, se) => s + (se.values[i] ?? 0), 0));
  const { max, ticks } = axis(Math.max(0, ...totals), !props.unit);
  const plotH = height - top - bottom;
  const slot = (width - left - right) / Math.max(1, props.categories.length);
  const bar = Math.min(48, slot * 0.7);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  return (
    <Frame id={props.id} title={props.title} desc={props.desc} width={width} height={height}>
      <Legend names={props.series.map((s) => s.name)} x={left} y={16} />
      {ticks.map((t) => (
        <g>
          <line x1={left} x2={width - right} y1={y(t)} y2={y(t)} stroke={grid} />
          <text x={left - 6} y={y(t) + 4} text-anchor="end" fill={ink}>
            {t}
          </text>
        </g>
      ))}
      {props.categories.map((cat, i) => {
        const x = left + i * slot + (slot - bar) / 2;
        let acc = 0;
        return (
          <g data-category={cat}>
            {props.series.map((s, si) => {
              const v = s.values[i] ?? 0;
              const y0 = y(acc);
              acc += v;
              const h = y0 - y(acc);
              return v > 0 ? (
                <rect class="bar" x={x} y={y(acc)} width={bar} height={Math.max(0, h)} fill={palette[si % palette.length]}>
                  <title>{`${cat}, ${s.name}: ${v}${props.unit ?? ''}`}</title>
                </rect>
              ) : null;
            })}
            {totals[i]! > 0 ? (
              <text x={x + bar / 2} y={y(totals[i]!) - 4} text-anchor="middle" fill={ink}>
                {Math.round(totals[i]! * 10) / 10}
              </text>
            ) : null}
            <text x={x + bar / 2} y={height - bottom + 16} text-anchor="middle" fill={ink}>
              {/^\d{4}-\d{2}-\d{2}$/.test(cat) ? fmtDay(cat) : cat}
            </text>
          </g>
        );
      })}
    </Frame>
  );
}

/** One horizontal bar per row. */
export function Bars(props: { id: string; title: string; desc: string; rows: { label: string; value: number | null; text?: string }[]; max?: number; color?: string }) {
  const width = 720;
  const rowH = 26;
  const top = 12;
  const left = 210;
  const right = 70;
  const height = top * 2 + Math.max(1, props.rows.length) * rowH;
  const max = props.max ?? axis(Math.max(0, ...props.rows.map((r) => r.value ?? 0))).max;
  const w = (v: number) => ((width - left - right) * v) / max;
  return (
    <Frame id={props.id} title={props.title} desc={props.desc} width={width} height={height}>
      {props.rows.map((r, i) => {
        const y = top + i * rowH;
        return (
          <g>
            <text x={left - 8} y={y + 17} text-anchor="end" fill={ink}>
              {r.label}
            </text>
            <rect x={left} y={y + 4} width={width - left - right} height={rowH - 8} fill="#f3f4f6" />
            {r.value !== null && r.value > 0 ? (
              <rect class="bar" x={left} y={y + 4} width={Math.max(1, w(r.value))} height={rowH - 8} fill={props.color ?? palette[0]}>
                <title>{`${r.label}: ${r.text ?? r.value}`}</title>
              </rect>
            ) : null}
            <text x={width - right + 6} y={y + 17} fill={ink}>
              {r.text ?? (r.value === null ? 'n/a' : String(r.value))}
            </text>
          </g>
        );
      })}
    </Frame>
  );
}

const pct = (r: number | null) => (r === null ? 'n/a' : `${Math.round(r * 1000) / 10}%`);
const words = (s: string) => s.replaceAll('_', ' ');

/** The chart of a name, drawn from the figures. */
export function renderChart(name: ChartName, f: Figures): string {
  const period = `${f.from} to ${f.to}`;
  let node: unknown;
  switch (name) {
    case 'volume-by-channel': {
      const channels = ['sms', 'voice', 'email', 'portal'];
      node = (
        <StackedColumns
          id="chart-volume-channel"
          title={`Patient messages per day by channel, ${period}`}
          desc={`${f.volume.total} messages: ${channels.map((c) => `${c} ${f.volume.byChannel[c] ?? 0}`).join(', ')}.`}
          categories={f.volume.days.map((d) => d.date)}
          series={channels.map((c) => ({ name: c.toUpperCase() === 'SMS' ? 'SMS' : c[0]!.toUpperCase() + c.slice(1), values: f.volume.days.map((d) => d.byChannel[c] ?? 0) }))}
        />
      );
      break;
    }
    case 'volume-by-intent': {
      const rows = Object.entries(f.volume.byIntent)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => ({ label: words(k), value: v }));
      node = <Bars id="chart-volume-intent" title={`Patient messages by intent, ${period}`} desc={rows.map((r) => `${r.label} ${r.value}`).join(', ') || 'No messages.'} rows={rows} />;
      break;
    }
    case 'first-response': {
      node = (
        <StackedColumns
          id="chart-first-response"
          title={`Median first response per day, minutes, ${period}`}
          desc={`Median ${f.firstResponse.medianMinutes ?? 'n/a'} minutes, 90th percentile ${f.firstResponse.p90Minutes ?? 'n/a'} minutes over ${f.firstResponse.conversations} conversations.`}
          categories={f.firstResponse.days.map((d) => d.date)}
          series={[{ name: 'Median minutes to a person’s first reply', values: f.firstResponse.days.map((d) => d.medianMinutes ?? 0) }]}
          unit=" min"
        />
      );
      break;
    }
    case 'backlog': {
      const queues = f.backlog.slice(0, 14);
      node = (
        <StackedColumns
          id="chart-backlog"
          title="Backlog by queue now"
          desc={queues.map((q) => `${q.name}: ${q.open} open (${q.unassigned} unassigned), ${q.pending} waiting on the patient, ${q.snoozed} snoozed`).join('; ') || 'Nothing waiting.'}
          categories={queues.map((q) => q.name)}
          series={[
            { name: 'Open, assigned', values: queues.map((q) => q.open - q.unassigned) },
            { name: 'Open, unassigned', values: queues.map((q) => q.unassigned) },
            { name: 'Waiting on patient', values: queues.map((q) => q.pending) },
            { name: 'Snoozed', values: queues.map((q) => q.snoozed) },
          ]}
        />
      );
      break;
    }
    case 'rates': {
      const rows = [
        { label: 'SLA attainment', value: f.sla.attainment },
        { label: 'Answered automatically', value: f.automation.share },
        { label: 'Missed calls recovered by text', value: f.missedCalls.recoveryRate },
        { label: 'Reminders confirmed', value: f.reminders.confirmationRate },
        { label: 'No-show rate', value: f.reminders.noShowRate },
      ].map((r) => ({ label: r.label, value: r.value === null ? null : r.value * 100, text: pct(r.value) }));
      node = <Bars id="chart-rates" title={`Rates, ${period}`} desc={rows.map((r) => `${r.label} ${r.text}`).join(', ')} rows={rows} max={100} color={palette[2]} />;
      break;
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n${String(node)}`;
}
