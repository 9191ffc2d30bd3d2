/**
 * npm run bench -- inbox [--messages 1000000] [--repeat 50] [--json] [--keep]
 *
 * N messages in N/10 conversations across 20 practices (made with SQL in bulk, then
 * ANALYZEd), then the inbox queries an assistant runs (the list, its filters, search by text,
 * name and phone, the next page), each --repeat times through the same service the API calls:
 * p50/p99 per query and the plan Postgres chose for its main statement. Target: p99 under
 * 50 ms at 1M messages.
 */
import postgres from 'postgres';
import { parseEnv } from '../../src/platform/env';
import { createRuntime } from '../../src/app/runtime';
import { createLogger } from '../../src/platform/logger';
import { createPractice } from '../../src/practices/practices';
import { listInbox } from '../../src/inbox/inbox-list';
import type { Principal } from '../../src/access/principal';
import { benchArgs, numberArg } from '../lib/args';
import { percentile, reporter, round } from '../lib/report';
import { createScratchDatabase } from '../lib/scratch-db';

export async function run(argv: string[]) {
  const args = benchArgs(argv, { messages: { type: 'string' }, repeat: { type: 'string' }, keep: { type: 'boolean' } }, { duration: 60 });
  const total = numberArg(args.messages, 'messages', 1_000_000);
  const repeat = numberArg(args.repeat, 'repeat', 50);
  const out = reporter(args.json);
  const scratch = await createScratchDatabase('inbox');
  const runtime = await createRuntime(parseEnv({ DATABASE_URL: scratch.url, REDIS_URL: '', LOG_LEVEL: 'silent', DATA_DIR: `/tmp/${scratch.name}` }), {
    runWorkers: false,
    relayIntervalMs: 0,
    log: createLogger({ level: 'silent' }),
    triage: () => ({ triage: () => { throw new Error('unused'); } }),
  });
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  try {
    const db = runtime.deps.db;
    const practices = [];
    for (let i = 0; i < 20; i++) {
      practices.push(
        await createPractice(db, 'system', {
          name: `Bench practice ${i}`,
          slug: `bench-${i}`,
          timeZone: 'America/New_York',
          hours: { weekly: { mon: [{ open: '08:00', close: '17:00' }] }, closedDates: [] },
          phoneNumbers: [`+1415556${String(1000 + i).padStart(4, '0')}`],
          emailAddresses: [`inbox@bench-${i}.example.com`],
        }),
      );
    }
    const conversations = Math.max(20, Math.round(total / 10));
    const t0 = performance.now();
    out.note(`seeding ${total} messages in ${conversations} conversations across 20 practices...`);
    // one patient and phone per conversation; statuses, urgencies, queues and times spread as a busy office's
    await sql.unsafe(`
      create temporary table bench_practice as
        select row_number() over (order by id) - 1 as n, id from practices;
      insert into patients (id, practice_id, first_name, last_name, created_at, updated_at)
        select gen_random_uuid(), p.id, (array['Ana','Ben','Carla','Dev','Elena','Farid','Grace','Hugo'])[1 + g % 8],
               'Bench' || g, now() - interval '90 days', now() - interval '90 days'
          from generate_series(0, ${conversations} - 1) g join bench_practice p on p.n = g % 20;
      insert into contact_points (practice_id, patient_id, kind, value, created_at)
        select practice_id, id, 'phone', '+1628' || lpad((row_number() over ())::text, 7, '0'), created_at from patients;
      insert into conversations (practice_id, patient_id, channel, status, queue_id, intent, urgency, needs_human, last_message_at, last_inbound_at, created_at, updated_at)
        select pt.practice_id, pt.id, (array['sms','sms','sms','email','voice','portal'])[1 + (h % 6)],
               (array['open','open','pending','resolved','resolved','resolved','snoozed','resolved'])[1 + (h % 8)],
               (select q.id from queues q where q.practice_id = pt.practice_id order by q.key offset (h % 3) limit 1),
               (array['refill_request','appointment_new','billing','general_question','test_results'])[1 + (h % 5)],
               (array['routine','routine','routine','routine','urgent','routine','routine','emergency'])[1 + ((h / 8) % 8)],
               (h % 4 = 0), now() - (h % 43200) * interval '1 minute', now() - (h % 43200) * interval '1 minute',
               now() - interval '60 days', now()
          from (select p.*, abs(hashtext(p.id::text)) as h from patients p) pt;
      -- in bulk: the triggers that keep each conversation's wait (migration 0017) are off while
      -- the messages go in, and the same function fills it once per conversation after
      alter table messages disable trigger user;
      insert into messages (practice_id, conversation_id, direction, kind, channel, body, status, author_type, created_at)
        select c.practice_id, c.id, case when k % 2 = 0 then 'inbound' else 'outbound' end, 'message', c.channel,
               (array['can I get a refill on my lisinopril','what time do you open tomorrow','I need to reschedule my appointment',
                      'question about my bill from last month','are my lab results back yet','thank you see you then',
                      'my daughter has a fever since yesterday','please send my records to Dr Smith'])[1 + ((k + abs(hashtext(c.id::text))) % 8)]
                 || ' #' || k,
               case when k % 2 = 0 then 'received' else 'sent' end, case when k % 2 = 0 then 'patient' else 'user' end,
               c.last_message_at - (10 - k) * interval '7 minutes'
          from conversations c cross join generate_series(0, ${Math.max(1, Math.round(total / conversations))} - 1) k;
      alter table messages enable trigger user;
      do $$ begin perform sb_conversation_waiting(id) from conversations; end $$;
      analyze;`);
    const seedSeconds = (performance.now() - t0) / 1000;
    const [{ n: stored } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from messages`;
    out.note(`seeded ${stored} messages in ${seedSeconds.toFixed(0)} s`);

    const p0 = practices[0]!;
    const admin: Principal = { kind: 'token', userId: null, tokenId: null, role: 'admin', practiceIds: 'all', queueIds: null };
    const assistant: Principal = { kind: 'token', userId: null, tokenId: null, role: 'assistant', practiceIds: [p0.id], queueIds: null };
    const [phone] = await sql<{ value: string }[]>`select value from contact_points where practice_id = ${p0.id} limit 1`;
    const [queue] = await sql<{ key: string }[]>`select key from queues where practice_id = ${p0.id} order by key limit 1`;
    const now = new Date();
    const firstPage = await listInbox(db, assistant, { practiceId: p0.id }, now, null);
    const queries: { name: string; who: Principal; query: Parameters<typeof listInbox>[2] }[] = [
      { name: 'open, one practice', who: assistant, query: { practiceId: p0.id } },
      { name: 'next page', who: assistant, query: { practiceId: p0.id, ...(firstPage.nextCursor ? { cursor: firstPage.nextCursor } : {}) } },
      { name: 'urgent only', who: assistant, query: { practiceId: p0.id, urgency: 'urgent' } },
      { name: 'one queue', who: assistant, query: { practiceId: p0.id, queue: queue!.key } },
      { name: 'unassigned', who: assistant, query: { practiceId: p0.id, assignee: 'none' } },
      { name: 'sms channel', who: assistant, query: { practiceId: p0.id, channel: 'sms' } },
      { name: 'all statuses', who: assistant, query: { practiceId: p0.id, status: 'all' } },
      { name: 'search text', who: assistant, query: { practiceId: p0.id, q: 'lisinopril', status: 'all' } },
      { name: 'search name', who: assistant, query: { practiceId: p0.id, q: 'Bench40', status: 'all' } },
      { name: 'search phone', who: assistant, query: { practiceId: p0.id, q: phone!.value.slice(2), status: 'all' } },
      { name: 'admin, every practice', who: admin, query: {} },
    ];
    // the statements each query runs, caught at the driver, for their plans
    const client = (db as unknown as { $client: postgres.Sql }).$client;
    const seen: { text: string; params: unknown[] }[] = [];
    const unsafe = client.unsafe.bind(client);
    const watch = (target: postgres.Sql) => {
      const original = target.unsafe.bind(target);
      (target as { unsafe: unknown }).unsafe = (text: string, params?: unknown[], opts?: object) => {
        if (!/^\s*(begin|commit|rollback|savepoint|release)/i.test(text)) seen.push({ text, params: params ?? [] });
        return original(text, params as never, opts as never);
      };
    };
    watch(client);
    // a transaction's statements go through the connection it reserved
    const begin = client.begin.bind(client) as (...a: unknown[]) => unknown;
    (client as { begin: unknown }).begin = (...a: unknown[]) => {
      const fn = a[a.length - 1] as (tx: postgres.Sql) => unknown;
      a[a.length - 1] = (tx: postgres.Sql) => (watch(tx), fn(tx));
      return begin(...a);
    };
    for (const q of queries) {
      const lat = new Float64Array(repeat);
      let rows = 0;
      seen.length = 0;
      for (let i = 0; i < repeat; i++) {
        const s = performance.now();
        const page = await listInbox(db, q.who, q.query, now, null);
        lat[i] = performance.now() - s;
        rows = page.data.length;
      }
      const statements = seen.slice(0, seen.length / repeat);
      // the slowest-planned statement of the query is its main one: the first with a FROM conversations
      const main = statements.find((st) => /from "conversations"/i.test(st.text)) ?? statements[0];
      let plan = '';
      if (main) {
        const lines = await unsafe(`explain (costs off) ${main.text}`, main.params as never);
        plan = (lines as unknown as { 'QUERY PLAN': string }[])
          .map((l) => l['QUERY PLAN'])
          .map((l) => l.trim().replace(/^->\s*/, ''))
          .filter((l) => /^[A-Z][A-Za-z ]*(Scan|Join|Sort|Limit|Aggregate|Loop|Append|Unique)\b/.test(l))
          .map((l) => l.replace(/ on \S+ \S+$/, '').replace(/ \(.*$/, ''))
          .slice(0, 6)
          .join(' > ');
      }
      lat.sort();
      out.row({
        bench: 'inbox',
        query: q.name,
        messages: stored,
        rows,
        statements: statements.length,
        p50_ms: round(percentile(lat, 50), 2),
        p99_ms: round(percentile(lat, 99), 2),
        max_ms: round(percentile(lat, 100), 1),
        plan: plan.slice(0, 160),
      });
    }
    out.flush(`inbox: ${stored} messages, 20 practices, each query ${repeat} times (target p99 < 50 ms at 1M)`);
  } finally {
    await sql.end();
    await runtime.shutdown();
    if (args.keep) {
      scratch.keep();
      process.stderr.write(`kept the seeded database for a look at its plans: ${scratch.url} (drop it when done)\n`);
    } else await scratch.drop();
  }
}
