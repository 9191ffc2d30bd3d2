/**
 * The inbox's order is an index range (migration 0017): a conversation keeps the last reply a
 * person sent and the patient's oldest message after it as columns, written by the ingest
 * function and by triggers on messages. Whatever happens to a conversation's messages, in any
 * order (patients writing through the ingest or stored otherwise, people and automation
 * replying, notes, messages moved to another conversation, re-dated or deleted), the columns
 * must always equal what they stand for, computed from the messages themselves; and the inbox
 * list must come out in that order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { conversations, messages } from '../../src/platform/db/schema';
import { ingestInbound } from '../../src/intake/ingest';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';

type Op =
  | { kind: 'ingest'; conv: number; minute: number }
  | { kind: 'inbound'; conv: number; minute: number }
  | { kind: 'staff'; conv: number; minute: number }
  | { kind: 'automation'; conv: number; minute: number }
  | { kind: 'note'; conv: number; minute: number }
  | { kind: 'move'; pick: number; conv: number }
  | { kind: 'redate'; pick: number; minute: number }
  | { kind: 'delete'; pick: number };

const conv = fc.integer({ min: 0, max: 2 });
const minute = fc.integer({ min: 0, max: 60 });
const pick = fc.nat();
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('ingest' as const), conv, minute }),
  fc.record({ kind: fc.constant('inbound' as const), conv, minute }),
  fc.record({ kind: fc.constant('staff' as const), conv, minute }),
  fc.record({ kind: fc.constant('automation' as const), conv, minute }),
  fc.record({ kind: fc.constant('note' as const), conv, minute }),
  fc.record({ kind: fc.constant('move' as const), pick, conv }),
  fc.record({ kind: fc.constant('redate' as const), pick, minute }),
  fc.record({ kind: fc.constant('delete' as const), pick }),
);

for (const kind of ['postgres', 'pglite'] as const) {
  describe(`the inbox order's kept columns (${kind})`, () => {
    let h: Harness;
    let p: PracticeView;
    let run = 0;
    beforeAll(async () => {
      h = await startHarness({ pglite: kind === 'pglite', runWorkers: false });
      p = await makePractice(h.runtime.deps.db);
    });
    afterAll(() => h?.close());

    /** the columns as they are defined: from the conversation's messages */
    async function expectKept(ids: string[]) {
      const db = h.runtime.deps.db;
      const rows = await db
        .select({
          id: conversations.id,
          kept: sql<string>`coalesce(${conversations.lastStaffReplyAt}::text, '-') || ' ' || coalesce(${conversations.waitingSince}::text, '-')`,
          truth: sql<string>`coalesce(s.at::text, '-') || ' ' || coalesce((select min(w.created_at) from messages w
              where w.conversation_id = ${conversations.id} and w.direction = 'inbound' and w.kind = 'message'
                and w.created_at > coalesce(s.at, '-infinity'::timestamptz))::text, '-')`,
        })
        .from(conversations)
        .innerJoin(
          sql`lateral (select max(r.created_at) as at from messages r where r.conversation_id = ${conversations.id}
              and r.direction = 'outbound' and r.kind = 'message' and r.author_type = 'user') s`,
          sql`true`,
        )
        .where(inArray(conversations.id, ids));
      for (const r of rows) expect(r.kept, `conversation ${ids.indexOf(r.id)}`).toBe(r.truth);
    }

    it('always equal what they stand for, whatever happens to the messages', async () => {
      const db = h.runtime.deps.db;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
          run++;
          const base = new Date(Date.UTC(2026, 0, 1, 9, 0));
          const at = (m: number) => new Date(base.getTime() + m * 60_000);
          const made = await Promise.all([0, 1, 2].map((i) => makeConversation(db, p.id, { at: at(0), phone: `+1415777${String(run % 1000).padStart(3, '0')}${i}` })));
          const ids = made.map((m) => m.conversation.id);
          const mine = () => db.select({ id: messages.id }).from(messages).where(inArray(messages.conversationId, ids)).orderBy(messages.createdAt, messages.id);
          let n = 0;
          for (const o of ops) {
            n++;
            if (o.kind === 'ingest') {
              // a text from the conversation's own patient, through the ingest function
              const phone = `+1415777${String(run % 1000).padStart(3, '0')}${o.conv}`;
              await ingestInbound(
                db,
                { channel: 'sms', providerId: `SMorder${run}x${n}`, to: p.phoneNumbers[0]!, from: { kind: 'phone', value: phone }, body: 'still waiting', attachments: [], receivedAt: at(o.minute) },
                { practiceId: p.id, receivedAt: at(o.minute), conversationId: ids[o.conv]!, triage: false },
              );
            } else if (o.kind === 'inbound' || o.kind === 'staff' || o.kind === 'automation' || o.kind === 'note') {
              await db.insert(messages).values({
                practiceId: p.id,
                conversationId: ids[o.conv]!,
                direction: o.kind === 'inbound' ? 'inbound' : 'outbound',
                kind: o.kind === 'note' ? 'note' : 'message',
                channel: 'sms',
                body: o.kind,
                status: o.kind === 'inbound' ? 'received' : 'sent',
                authorType: o.kind === 'inbound' ? 'patient' : o.kind === 'automation' ? 'automation' : 'user',
                createdAt: at(o.minute),
              });
            } else {
              const list = await mine();
              if (list.length === 0) continue;
              const target = list[o.pick % list.length]!.id;
              if (o.kind === 'move') await db.update(messages).set({ conversationId: ids[o.conv]! }).where(eq(messages.id, target));
              else if (o.kind === 'redate') await db.update(messages).set({ createdAt: at(o.minute) }).where(eq(messages.id, target));
              else await db.delete(messages).where(and(eq(messages.id, target)));
            }
            await expectKept(ids);
          }
        }),
        { numRuns: kind === 'postgres' ? 40 : 15 },
      );
    }, 120_000);

    it('a person replying ends the wait; the patient writing again starts a new one; the list comes out in that order', async () => {
      const db = h.runtime.deps.db;
      const t = (m: number) => new Date(Date.UTC(2026, 1, 1, 9, m));
      const p = await makePractice(db);
      const a = await makeConversation(db, p.id, { at: t(0) });
      const b = await makeConversation(db, p.id, { at: t(5) });
      const kept = async (id: string) => (await db.select({ w: conversations.waitingSince, s: conversations.lastStaffReplyAt }).from(conversations).where(eq(conversations.id, id)))[0]!;
      expect((await kept(a.conversation.id)).w).toEqual(t(0));
      await db.insert(messages).values({ practiceId: p.id, conversationId: a.conversation.id, direction: 'outbound', channel: 'sms', body: 'on it', status: 'sent', authorType: 'user', createdAt: t(10) });
      expect(await kept(a.conversation.id)).toEqual({ w: null, s: t(10) });
      await db.insert(messages).values({ practiceId: p.id, conversationId: a.conversation.id, direction: 'inbound', channel: 'sms', body: 'thanks, and one more thing', status: 'received', authorType: 'patient', createdAt: t(12) });
      expect(await kept(a.conversation.id)).toEqual({ w: t(12), s: t(10) });
      // b waits since 9:05, a since 9:12: b comes first (same urgency, no SLA)
      const res = await h.request('GET', `/api/v1/inbox?practiceId=${p.id}&limit=100`);
      const order = ((await res.json()) as { data: { id: string; waitingSince: string }[] }).data;
      expect(order.map((d) => d.id)).toEqual([b.conversation.id, a.conversation.id]);
      expect(order.map((d) => d.waitingSince)).toEqual([t(5).toISOString(), t(12).toISOString()]);
    });
  });
}
