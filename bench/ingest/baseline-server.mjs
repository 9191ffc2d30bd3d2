// The ceiling the ingest benchmark compares with: a bare Hono server on @hono/node-server that
// reads the same form post and does one prepared single-row insert through postgres.js (pool
// of 10, as Switchboard's), then answers empty TwiML. No signature check, no patient, no
// conversation, no outbox: what one round trip to Postgres per webhook costs and no more.
// Plain JavaScript, so no loader stands between it and Node.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL, { max: 10, onnotice: () => {} });
await sql`create table if not exists bench_baseline (id bigserial primary key, message_sid text not null, body text not null, received_at timestamptz not null default now())`;

const app = new Hono();
app.post('/webhooks/twilio/sms', async (c) => {
  const form = new URLSearchParams(await c.req.text());
  await sql`insert into bench_baseline (message_sid, body) values (${form.get('MessageSid') ?? ''}, ${form.get('Body') ?? ''})`;
  return c.body('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', 200, { 'content-type': 'text/xml; charset=utf-8' });
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
server.once('listening', () => process.stdout.write('baseline listening\n'));
process.on('SIGTERM', () => server.close(() => void sql.end({ timeout: 2 }).then(() => process.exit(0))));
