import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestRecordSchema, ingestRecord } from '../../src/intake/ingest';

const migrations = new URL('../../migrations/', import.meta.url).pathname;
const canonical = readFileSync(join(migrations, 'functions', 'sb_ingest_inbound.sql'), 'utf8').trim();

describe('sb_ingest_inbound has one definition', () => {
  it('the newest migration that defines it applies the canonical file as it is', () => {
    const defining = readdirSync(migrations)
      .filter((f) => /^\d{4}_.*\.sql$/.test(f))
      .sort()
      .filter((f) => /FUNCTION sb_ingest_inbound\(/.test(readFileSync(join(migrations, f), 'utf8')));
    const newest = defining.at(-1)!;
    const text = readFileSync(join(migrations, newest), 'utf8');
    // run `npm run db:ingest-function` after editing migrations/functions/sb_ingest_inbound.sql
    expect(text.includes(canonical), `${newest} differs from migrations/functions/sb_ingest_inbound.sql`).toBe(true);
  });

  it('reads every field of the record the TypeScript side sends, and no other', () => {
    const fields = Object.keys(IngestRecordSchema.shape).sort();
    const read = [...new Set([...canonical.matchAll(/p_record\s*->>?\s*'(\w+)'/g)].map((m) => m[1]!))].sort();
    expect(read).toEqual(fields);
  });

  it('builds a record the schema accepts from a plain text message', () => {
    const record = ingestRecord(
      { channel: 'sms', providerId: 'SM1', from: { kind: 'phone', value: '+15551230000' }, to: '+15559870000', body: 'hi', attachments: [], receivedAt: new Date('2026-12-01T10:00:00Z') },
      { practiceId: '00000000-0000-4000-8000-000000000001', receivedAt: new Date('2026-12-01T10:00:00Z') },
    );
    expect(record).toMatchObject({ contactKind: 'phone', jobPayload: { requestId: null }, reopenDays: 7, threadRefs: [] });
  });
});
