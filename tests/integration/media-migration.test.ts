import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eq } from 'drizzle-orm';
import { messageAttachments } from '../../src/platform/db/schema';
import { readBlob } from '../../src/platform/blobs/blob-store';
import { parseEnv } from '../../src/platform/env';
import { createRuntime } from '../../src/app/runtime';
import { createLogger } from '../../src/platform/logger';
import { FakeClock } from '../../src/platform/clock';
import { testDatabaseUrl } from '../helpers/services';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * An installation from before the blob store: attachments inline in Postgres. Upgrading
 * (the migrations, then the start-up data step) moves their bytes out and keeps every file.
 */
describe('upgrading a database that kept attachments inline', () => {
  it('backfills practice and conversation, moves the bytes to the blob store, and queues never-fetched media', async (ctx) => {
    if (!inject('templateDatabase')) return ctx.skip();
    const { default: postgres } = await import('postgres');
    const name = `sb_t_${inject('runId')}_upgrade_${process.pid}`;
    const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end({ timeout: 5 });
    const url = new URL(testDatabaseUrl);
    url.pathname = `/${name}`;
    const dir = mkdtempSync(join(tmpdir(), 'sb-upgrade-'));
    try {
      // the migrations as they were before this change: 0000 to 0008
      const old = join(dir, 'migrations');
      cpSync(migrations, old, { recursive: true });
      const journal = JSON.parse(readFileSync(join(old, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
      journal.entries = journal.entries.filter((e) => Number(e.tag.slice(0, 4)) <= 8);
      writeFileSync(join(old, 'meta', '_journal.json'), JSON.stringify(journal));
      const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
      const { drizzle } = await import('drizzle-orm/postgres-js');
      const { migrate } = await import('drizzle-orm/postgres-js/migrator');
      await migrate(drizzle(client, { casing: 'snake_case' }), { migrationsFolder: old });
      const [p] = await client`insert into practices (slug, name, time_zone, hours) values ('old', 'Old Practice', 'America/New_York', '{"weekly":{},"closedDates":[]}') returning id`;
      const [pt] = await client`insert into patients (practice_id) values (${p!.id}) returning id`;
      const [c] = await client`insert into conversations (practice_id, patient_id, channel) values (${p!.id}, ${pt!.id}, 'email') returning id`;
      const [m] = await client`insert into messages (practice_id, conversation_id, direction, channel, body, status, author_type) values (${p!.id}, ${c!.id}, 'inbound', 'email', 'see attached', 'received', 'patient') returning id`;
      const [inline] = await client`insert into message_attachments (message_id, name, content_type, size, content) values (${m!.id}, 'lab.pdf', 'application/pdf', 15, ${Buffer.from('%PDF-1.4 legacy').toString('base64')}) returning id`;
      const [link] = await client`insert into message_attachments (message_id, name, content_type, url) values (${m!.id}, null, 'image/jpeg', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1') returning id`;
      await client.end({ timeout: 5 });

      const env = parseEnv({ DATA_DIR: join(dir, 'data'), DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' });
      const runtime = await createRuntime(env, { runWorkers: false, clock: new FakeClock(), log: createLogger({ level: 'silent' }), relayIntervalMs: 0 });
      try {
        const rows = await runtime.deps.db.select().from(messageAttachments);
        const moved = rows.find((r) => r.id === inline!.id)!;
        expect(moved).toMatchObject({ practiceId: p!.id, conversationId: c!.id, status: 'stored', content: null, size: 15 });
        expect(Buffer.from((await readBlob(runtime.deps.blobs, moved.blobKey!))!).toString()).toBe('%PDF-1.4 legacy');
        const pending = rows.find((r) => r.id === link!.id)!;
        expect(pending).toMatchObject({ status: 'pending', conversationId: c!.id });
        const { outbox } = await import('../../src/platform/db/schema');
        expect(await runtime.deps.db.select().from(outbox).where(eq(outbox.dedupeKey, `media:${link!.id}`))).toHaveLength(1);
      } finally {
        await runtime.shutdown();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
