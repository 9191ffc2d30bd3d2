import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createLogger } from '../../src/platform/logger';
import { addToOutbox, rowsOf } from '../../src/platform/jobs/outbox';
import { startHarness, type Harness } from '../helpers/harness';
import { makePractice, tokenFor } from '../helpers/fixtures';
import { inboundSms, postTwilio } from '../helpers/twilio';
import { inboundEnv, parsedEmail, postInbound } from '../helpers/email';
import { runCli } from '../helpers/cli';
import type { PracticeView } from '../../src/practices/practices';

/**
 * Suite 16 of issue 12 (and the regression test of point 2): a full scenario with marker
 * names, numbers, emails, dates of birth and texts, failing queries included, with every
 * log line captured at the most verbose level. No marker may appear in any line, nor in
 * what the CLI import prints for a row it could not save.
 */
const marker = {
  first: 'Zebulonmarker',
  last: 'Quixotewoodmarker',
  phone: '+14155550199',
  email: 'zebulon.quixotewood@marker-mail.example',
  dob: '1961-02-03',
  text: 'pelicanmarker7731 my chest pain started after lisinopril',
  subject: 'heronmarker subject',
  note: 'ospreymarker note',
};
/** every form a marker may take in a line: the phone in the usual spellings, the date of birth alone */
const needles = [
  marker.first,
  marker.last,
  marker.email,
  marker.dob,
  'pelicanmarker',
  'heronmarker',
  'ospreymarker',
  'failquerymarker',
  '4155550199',
  '415-555-0199',
  '(415) 555-0199',
  '555-0199',
  'zebulon',
  'quixotewood',
];

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _enc, cb) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    cb();
  },
});

let h: Harness;
let p: PracticeView;
const dir = mkdtempSync(join(tmpdir(), 'sb-leak-'));

beforeAll(async () => {
  h = await startHarness({ env: inboundEnv, log: createLogger({ level: 'trace', destination: capture }) });
  p = await makePractice(h.runtime.deps.db, 'leaky');
  // queries that fail with the patient's words in their parameters and in the database's own message
  await h.runtime.deps.db.execute(
    sql.raw(`
      create function sb_test_fail_message() returns trigger language plpgsql as $$
      begin
        if new.body like '%failquerymarker%' then raise exception 'refused body %', new.body using detail = 'row: ' || new.body; end if;
        return new;
      end $$;
      create function sb_test_fail_patient() returns trigger language plpgsql as $$
      begin
        if new.first_name like '%Failpatient%' then raise exception 'refused patient % % born %', new.first_name, new.last_name, new.date_of_birth; end if;
        return new;
      end $$;
      create function sb_test_fail_appointment() returns trigger language plpgsql as $$
      begin
        if new.duration_minutes = 77 then raise exception 'refused appointment for %', new.patient_id using detail = '${marker.first} ${marker.dob}'; end if;
        return new;
      end $$;
      create trigger sb_test_fail_messages before insert or update on messages for each row execute function sb_test_fail_message();
      create trigger sb_test_fail_patients before insert or update on patients for each row execute function sb_test_fail_patient();
      create trigger sb_test_fail_appointments before update on appointments for each row execute function sb_test_fail_appointment();
    `),
  );
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const leaks = (text: string) => needles.filter((n) => text.toLowerCase().includes(n.toLowerCase()));

describe('the logs of a full scenario', () => {
  it('carry no names, numbers, emails, dates of birth or texts, failing queries included', async () => {
    const db = h.runtime.deps.db;
    const admin = h.adminToken;
    // a text, an email and a portal message from the patient; triage, routing and replies run
    const sms = await postTwilio(h, '/webhooks/twilio/sms', inboundSms(marker.phone, p.phoneNumbers[0]!, marker.text));
    expect(sms.status).toBe(200);
    const email = await postInbound(h, parsedEmail({ from: `${marker.first} ${marker.last} <${marker.email}>`, to: p.emailAddresses[0]!, subject: marker.subject, text: marker.text }));
    expect(email.status).toBe(200);
    const portal = await h.request('POST', '/api/v1/portal/messages', {
      token: await tokenFor(db, 'portal', p.id),
      body: { messageId: 'pm-leak', patient: { portalId: 'pt-leak', firstName: marker.first, lastName: marker.last, dateOfBirth: marker.dob, phone: marker.phone, email: marker.email }, body: marker.text, subject: marker.subject },
    });
    expect(portal.status).toBe(201);
    await h.drain();

    // staff read and answer; an appointment with the patient's details
    const list = (await (await h.request('GET', '/api/v1/conversations')).json()) as { data: { id: string }[] };
    expect(list.data.length).toBeGreaterThanOrEqual(3);
    for (const c of list.data) {
      expect((await h.request('GET', `/api/v1/conversations/${c.id}`)).status).toBe(200);
      expect((await h.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: { body: `Hello ${marker.first}, ${marker.text}` } })).status).toBe(201);
      expect((await h.request('POST', `/api/v1/conversations/${c.id}/messages`, { body: { kind: 'note', body: marker.note } })).status).toBe(201);
    }
    const appt = await h.request('POST', '/api/v1/appointments', {
      token: admin,
      body: { practiceId: p.id, externalId: 'leak-1', startsAt: '2026-02-10T15:00:00Z', durationMinutes: 20, patient: { firstName: marker.first, lastName: marker.last, phone: marker.phone, email: marker.email, dateOfBirth: marker.dob, smsConsent: true } },
    });
    expect(appt.status).toBe(201);
    const { id: appointmentId } = (await appt.json()) as { id: string };
    await h.drain();

    // failing queries: on an inbound text (the webhook), on a staff reply, on an appointment change, in a job
    const failedSms = await postTwilio(h, '/webhooks/twilio/sms', inboundSms(marker.phone, p.phoneNumbers[0]!, `failquerymarker ${marker.text}`));
    expect(failedSms.status).toBeGreaterThanOrEqual(500);
    const failedReply = await h.request('POST', `/api/v1/conversations/${list.data[0]!.id}/messages`, { body: { body: `failquerymarker ${marker.first} ${marker.phone}` } });
    expect(failedReply.status).toBe(500);
    expect(await failedReply.text()).not.toMatch(/failquerymarker|Zebulon/i);
    const failedPatch = await h.request('PATCH', `/api/v1/appointments/${appointmentId}`, { body: { durationMinutes: 77 } });
    expect(failedPatch.status).toBe(500);
    await db.execute(sql`update messages set body = body || ' jobfail' where id in (select id from messages where direction = 'inbound' limit 1)`);
    await db.execute(sql.raw(`create or replace function sb_test_fail_triage() returns trigger language plpgsql as $$
      begin raise exception 'triage refused for % (%)', new.body, '${marker.email}'; end $$;
      create trigger sb_test_fail_triage before update of triage on messages for each row when (new.body like '%jobfail%') execute function sb_test_fail_triage();`));
    const [jobfail] = rowsOf<{ id: string }>(await db.execute(sql`select id from messages where body like '%jobfail%' limit 1`));
    // a triage job for it again: storing its result fails every attempt
    await addToOutbox(db, { queue: 'triage', payload: { messageId: jobfail!.id, requestId: null }, runAt: h.clock.now(), dedupeKey: `leak-triage:${jobfail!.id}` });
    await h.drain().catch(() => {});

    // sign-in failures, a 404 with an email in its path, a search with a name in its query
    await h.app.request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: marker.email, password: marker.text }) });
    await h.request('GET', `/api/v1/patients/${encodeURIComponent(marker.email)}`);
    await h.request('GET', `/api/v1/conversations?queue=${encodeURIComponent(marker.first)}`);
    await h.request('PATCH', `/api/v1/practices/${p.id}`, { body: { name: `${marker.first}\u0000` } });

    // the lines are there, errors of failed queries among them, and none holds a marker
    h.runtime.deps.log.flush?.();
    await new Promise((r) => setImmediate(r));
    const errors = lines.filter((l) => /"level":50/.test(l));
    expect(lines.length).toBeGreaterThan(20);
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.some((l) => /"code":"P0001"/.test(l))).toBe(true);
    expect(lines.some((l) => /"msg":"job failed/.test(l))).toBe(true);
    const leaked = lines.flatMap((l) => leaks(l).map((n) => `${n} in ${l.slice(0, 300)}`));
    expect(leaked).toEqual([]);
  }, 120_000);

  it('the CLI import names a row it could not save by line, class and code, never its values (point 2)', async () => {
    const file = join(dir, 'schedule.csv');
    writeFileSync(
      file,
      [
        'external_id,starts_at,duration_minutes,first_name,last_name,phone,email,date_of_birth',
        // a new patient (no phone or email to match the scenario's one by), whose insert fails
        `L-1,2030-05-06 09:00,20,Failpatient${marker.first},${marker.last},,,${marker.dob}`,
        'L-2,2030-05-06 10:00,20,Kim,Park,+14155550161,,1990-02-03',
      ].join('\n'),
    );
    const run = await runCli(['import', 'appointments', file, '--practice', 'leaky'], { DATA_DIR: join(dir, 'data'), DATABASE_URL: h.env.DATABASE_URL ?? '', LOG_LEVEL: 'trace' });
    if (!h.env.DATABASE_URL) return; // the embedded database is held by the harness: nothing to import into
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/rejected line 2: could not be saved \(\w+ \(P0001\)\)/);
    expect(run.stdout).toContain('1 created');
    expect(leaks(run.stdout + run.stderr)).toEqual([]);
  }, 60_000);

  it('no log call in the code builds its message from values (template literals in log messages)', () => {
    const offenders: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const path = join(d, e.name);
        if (e.isDirectory()) walk(path);
        else if (/\.ts$/.test(e.name)) {
          const text = readFileSync(path, 'utf8');
          for (const m of text.matchAll(/\blog\??\.(?:trace|debug|info|warn|error|fatal)\(([^;]*?)\);/gs)) {
            if (/`[^`]*\$\{/.test(m[1]!)) offenders.push(`${path}: ${m[0].slice(0, 120)}`);
          }
        }
      }
    };
    for (const d of ['src', 'channels']) walk(join(new URL('../..', import.meta.url).pathname, d));
    expect(offenders).toEqual([]);
  });
});
