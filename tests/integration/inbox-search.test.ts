/**
 * The inbox search by words, on Postgres and on the embedded PGlite: words of any message of a
 * conversation, an email's subject, any case, only the practice asked for, and % or _ typed as
 * themselves; rare words through the trigram index (migration 0016), common ones per conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { conversations, messages, patients } from '../../src/platform/db/schema';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`inbox search (${kind})`, () => {
    let h: Harness;
    let p: PracticeView;
    let other: PracticeView;
    beforeAll(async () => {
      h = await startHarness({ pglite: kind === 'pglite', runWorkers: false });
      p = await makePractice(h.runtime.deps.db);
      other = await makePractice(h.runtime.deps.db);
    });
    afterAll(() => h?.close());

    const search = async (q: string, practiceId?: string) => {
      const res = await h.request('GET', `/api/v1/inbox?status=all&q=${encodeURIComponent(q)}${practiceId ? `&practiceId=${practiceId}` : ''}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: { id: string }[] }).data.map((d) => d.id).sort();
    };

    it('finds words of any message, a subject, in any case, within the practice', async () => {
      const db = h.runtime.deps.db;
      const a = await makeConversation(db, p.id, { body: 'first message about nothing' });
      // a later message of the same conversation carries the words
      await db.insert(messages).values({
        practiceId: p.id,
        conversationId: a.conversation.id,
        direction: 'inbound',
        channel: 'sms',
        providerId: `SMsearch${Date.now()}`,
        body: 'My Ozempic pen is leaking',
        status: 'received',
        authorType: 'patient',
      });
      const b = await makeConversation(db, p.id, { body: 'see the subject' });
      await db.execute(sql`update messages set subject = 'Quarterly statement 88213' where conversation_id = ${b.conversation.id}`);
      const elsewhere = await makeConversation(db, other.id, { body: 'my ozempic pen again' });
      const pct = await makeConversation(db, p.id, { body: 'is there 100% coverage_for it' });

      expect(await search('ozempic pen', p.id)).toEqual([a.conversation.id]);
      expect(await search('OZEMPIC PEN')).toEqual([a.conversation.id, elsewhere.conversation.id].sort());
      expect(await search('statement 88213', p.id)).toEqual([b.conversation.id]);
      expect(await search('100% coverage_for', p.id)).toEqual([pct.conversation.id]);
      // % and _ are the characters, not wildcards
      expect(await search('100%_coverage', p.id)).toEqual([]);
      expect(await search('nothing here at all', p.id)).toEqual([]);
    });

    it('finds common words too (more messages hold them than the index lookup takes: looked up per conversation)', async () => {
      const db = h.runtime.deps.db;
      const busy = await makeConversation(db, p.id, { body: 'pharmacy question' });
      const quiet = await makeConversation(db, p.id, { body: 'nothing in common' });
      await db.execute(sql`
        insert into messages (practice_id, conversation_id, direction, channel, body, status, author_type)
        select ${p.id}, ${busy.conversation.id}, 'inbound', 'sms', 'the usual walgreens pharmacy on main, number ' || g, 'received', 'patient'
        from generate_series(1, 2100) g`);
      expect(await search('walgreens pharmacy', p.id)).toEqual([busy.conversation.id]);
      expect(await search('in common', p.id)).toEqual([quiet.conversation.id]);
    });

    it('finds patients by name, address or phone typed any way, whether few match (found first through the indexes) or many (per conversation)', async () => {
      const db = h.runtime.deps.db;
      const q = await makePractice(db);
      // more patients than the index lookup takes share a name
      await db.execute(sql`
        with made as (
          insert into patients (practice_id, first_name, last_name)
          select ${q.id}, 'Zed', 'Manyname' || g from generate_series(1, 2005) g returning id, last_name),
        points as (
          insert into contact_points (practice_id, patient_id, kind, value)
          select ${q.id}, id, 'phone', '+1415888' || lpad(substr(last_name, 9), 4, '0') from made returning patient_id)
        insert into conversations (practice_id, patient_id, channel, status) select ${q.id}, patient_id, 'sms', 'open' from points`);
      const rare = await makeConversation(db, q.id, { firstName: 'Rarely', phone: '+14159990001' });
      const many = await search('manyname', q.id);
      expect(many).toHaveLength(50);
      expect(many).not.toContain(rare.conversation.id);
      const [one] = await db
        .select({ id: conversations.id })
        .from(conversations)
        .innerJoin(patients, eq(patients.id, conversations.patientId))
        .where(and(eq(patients.lastName, 'Manyname2000'), eq(conversations.practiceId, q.id)));
      expect(await search('MANYNAME2000', q.id)).toEqual([one!.id]);
      expect(await search('(415) 888-2000', q.id)).toEqual([one!.id]);
      for (const typed of ['rarely', '(415) 999-0001', '415.999.0001', '+1 415 999 0001', '9990001']) expect(await search(typed, q.id), typed).toEqual([rare.conversation.id]);
      // only the practice asked for
      expect(await search('rarely', p.id)).toEqual([]);
    });
  });
}
