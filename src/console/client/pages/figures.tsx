import { useEffect, useState } from 'hono/jsx/dom';
import { useApp } from '../app';
import { chartUrl, csvUrl, getFigures, type Figures, type FiguresQuery } from '../api/metrics';
import { addDays, channelName, duration, localDate, percent, words } from '../lib/format';
import { ErrorView, Field, Loading, PageHeader, inputValue } from '../components/ui';

/** The figures of a period: tiles for the headline numbers, charts drawn by the server, the numbers as tables, CSV. */
export function FiguresPage() {
  const app = useApp();
  const today = localDate();
  const [period, setPeriod] = useState({ from: addDays(today, -6), to: today });
  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState<unknown>(null);
  const q: FiguresQuery = { practiceId: app.practiceId || undefined, ...period };

  useEffect(() => {
    setFigures(null);
    setError(null);
    getFigures(q)
      .then(setFigures)
      .catch(setError);
  }, [app.practiceId, period.from, period.to]);

  const preset = (days: number) => setPeriod({ from: addDays(today, -(days - 1)), to: today });
  const minutes = (m: number | null) => (m === null ? 'n/a' : duration(m * 60_000));

  return (
    <div class="figures-page">
      <PageHeader title="Figures">
        <a class="button" id="csv-export" href={csvUrl(q)} download>
          Export CSV
        </a>
      </PageHeader>
      <form class="period" aria-label="Period" onSubmit={(e: Event) => e.preventDefault()}>
        <Field label="From">
          <input id="fig-from" type="date" value={period.from} max={period.to} onChange={(e: Event) => setPeriod({ ...period, from: inputValue(e) })} />
        </Field>
        <Field label="To">
          <input id="fig-to" type="date" value={period.to} min={period.from} onChange={(e: Event) => setPeriod({ ...period, to: inputValue(e) })} />
        </Field>
        <div class="presets" role="group" aria-label="Quick periods">
          <button type="button" onClick={() => preset(7)}>
            Last 7 days
          </button>
          <button type="button" onClick={() => preset(30)}>
            Last 30 days
          </button>
          <button type="button" onClick={() => preset(90)}>
            Last 90 days
          </button>
        </div>
      </form>
      {error ? <ErrorView error={error} what="Figures" /> : null}
      {!figures && !error ? <Loading /> : null}
      {figures ? (
        <>
          <ul class="tiles" id="tiles">
            <Tile label="Patient messages" value={String(figures.volume.total)} />
            <Tile label="First response, median" value={minutes(figures.firstResponse.medianMinutes)} note={`90th percentile ${minutes(figures.firstResponse.p90Minutes)}`} />
            <Tile label="SLA attainment" value={percent(figures.sla.attainment)} note={`${figures.sla.met} met, ${figures.sla.breached} breached`} />
            <Tile label="Answered automatically" value={percent(figures.automation.share)} note={`${figures.automation.answeredAutomatically} of ${figures.automation.conversations}`} />
            <Tile label="Missed calls recovered" value={percent(figures.missedCalls.recoveryRate)} note={`${figures.missedCalls.recovered} of ${figures.missedCalls.textBacksSent} text-backs; ${figures.missedCalls.missed} missed`} />
            <Tile label="Reminders confirmed" value={percent(figures.reminders.confirmationRate)} note={`${figures.reminders.confirmed} of ${figures.reminders.reminded} reminded`} />
            <Tile label="No-show rate" value={percent(figures.reminders.noShowRate)} note={`${figures.reminders.noShows} of ${figures.reminders.passed} appointments`} />
          </ul>
          <Chart name="volume-by-channel" title="Patient messages per day, by channel" q={q}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  {Object.keys(channelName).map((c) => (
                    <th scope="col">{channelName[c]}</th>
                  ))}
                  <th scope="col">Total</th>
                </tr>
              </thead>
              <tbody>
                {figures.volume.days.map((d) => (
                  <tr>
                    <th scope="row">{d.date}</th>
                    {Object.keys(channelName).map((c) => (
                      <td>{d.byChannel[c] ?? 0}</td>
                    ))}
                    <td>{d.total}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Chart>
          <Chart name="volume-by-intent" title="Patient messages by intent" q={q}>
            <table>
              <tbody>
                {Object.entries(figures.volume.byIntent)
                  .sort((a, b) => b[1] - a[1])
                  .map(([k, v]) => (
                    <tr>
                      <th scope="row">{words(k)}</th>
                      <td>{v}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </Chart>
          <Chart name="first-response" title="First response by a person, per day" q={q}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Conversations</th>
                  <th scope="col">Median</th>
                  <th scope="col">90th percentile</th>
                </tr>
              </thead>
              <tbody>
                {figures.firstResponse.days.map((d) => (
                  <tr>
                    <th scope="row">{d.date}</th>
                    <td>{d.conversations}</td>
                    <td>{minutes(d.medianMinutes)}</td>
                    <td>{minutes(d.p90Minutes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Chart>
          <Chart name="backlog" title="Backlog by queue, now" q={q}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  <th scope="col">Open</th>
                  <th scope="col">Unassigned</th>
                  <th scope="col">Past SLA</th>
                  <th scope="col">Waiting on patient</th>
                  <th scope="col">Snoozed</th>
                </tr>
              </thead>
              <tbody>
                {figures.backlog.map((b) => (
                  <tr>
                    <th scope="row">{b.name}</th>
                    <td>{b.open}</td>
                    <td>{b.unassigned}</td>
                    <td>{b.breached}</td>
                    <td>{b.pending}</td>
                    <td>{b.snoozed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Chart>
          <Chart name="rates" title="Rates" q={q}>
            <p class="small">See the tiles above for each rate and what it counts.</p>
          </Chart>
        </>
      ) : null}
    </div>
  );
}

function Tile(props: { label: string; value: string; note?: string }) {
  return (
    <li class="tile">
      <span class="tile-label">{props.label}</span>
      <span class="tile-value">{props.value}</span>
      {props.note ? <span class="tile-note">{props.note}</span> : null}
    </li>
  );
}

function Chart(props: { name: string; title: string; q: FiguresQuery; children: unknown }) {
  const id = `chart-${props.name}`;
  return (
    <figure class="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{props.title}</figcaption>
      <img id={id} src={chartUrl(props.name, props.q)} alt={`${props.title}; the numbers are in the table below.`} />
      <details>
        <summary>The numbers</summary>
        {props.children}
      </details>
    </figure>
  );
}
