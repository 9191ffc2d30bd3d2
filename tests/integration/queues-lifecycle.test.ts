import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, conversations, messages, queues } from '../../src/platform/db/schema';
import { loadDefaultTriage } from '../../triage/index';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, tokenFor } from '../helpers/fixtures';
import { fakeSid, inboundSms, postTwilio } from '../helpers/twilio';
import type { PracticeView } from '../../src/practices/practices';

let h: Harness;
let p: PracticeView;
let manager: string;
beforeAll(async () => {
  const engine = loadDefaultTriage();
  h = await startHarness({ triage: () => engine });
  p = await makePractice(h.runtime.deps.db);
  manager = await tokenFor(h.runtime.deps.db, 'manager', p.id);
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

describe('queues: create, rename, archive', () => {
  it('a manager creates a queue with SLAs and a playbook (key from the name), renames it; duplicates and assistants are refused', async () => {
    const res = await h.request('POST', '/api/v1/queues', {
      token: manager,
      body: { practiceId: p.id, name: 'Workers’ comp', sla: { routine: { firstResponseMinutes: 120, businessHours: true } }, playbook: { items: [{ key: 'employer', label: 'Employer and claim number' }] } },
    });
    expect(res.status).toBe(201);
    const q = (await res.json()) as { id: string; key: string; archivedAt: string | null };
    expect(q).toMatchObject({ key: 'workers_comp', archivedAt: null, sla: { routine: { firstResponseMinutes: 120 } }, playbook: { items: [{ key: 'employer' }] } });
    expect((await h.request('POST', '/api/v1/queues', { token: manager, body: { practiceId: p.id, key: 'workers_comp', name: 'Again' } })).status).toBe(409);
    expect((await h.request('POST', '/api/v1/queues', { token: manager, body: { practiceId: p.id, key: 'Bad Key', name: 'x' } })).status).toBe(400);
    expect((await h.request('POST', '/api/v1/queues', { token: await tokenFor(db(), 'assistant', p.id), body: { practiceId: p.id, name: 'Mine' } })).status).toBe(403);
    const other = await makePractice(db());
    expect((await h.request('POST', '/api/v1/queues', { token: manager, body: { practiceId: other.id, name: 'Theirs' } })).status).toBe(404);
    const renamed = await h.request('PATCH', `/api/v1/queues/${q.id}`, { token: manager, body: { name: 'Workers’ compensation' } });
    expect(await renamed.json()).toMatchObject({ name: 'Workers’ compensation', key: 'workers_comp' });
    const events = await db().select().from(auditEvents).where(and(eq(auditEvents.subjectId, q.id)));
    expect(events.map((e) => e.action).sort()).toEqual(['queue.create', 'queue.update']);
  });

  it('archiving moves open work to another queue, hides the queue, and rules can no longer route to it; the urgent queue and routed-to queues stay', async () => {
    const created = (await (await h.request('POST', '/api/v1/queues', { token: manager, body: { practiceId: p.id, name: 'Front desk overflow' } })).json()) as { id: string; key: string };
    const { conversation } = await makeConversation(db(), p.id, { queue: created.key });
    const refused = await h.request('POST', `/api/v1/queues/${created.id}/archive`, { token: manager });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/moveTo/);
    const archived = await h.request('POST', `/api/v1/queues/${created.id}/archive`, { token: manager, body: { moveTo: 'general' } });
    expect(archived.status).toBe(200);
    expect(((await archived.json()) as { archivedAt: string | null }).archivedAt).not.toBeNull();
    const [moved] = await db().select({ key: queues.key }).from(conversations).innerJoin(queues, eq(queues.id, conversations.queueId)).where(eq(conversations.id, conversation.id));
    expect(moved!.key).toBe('general');
    const list = (await (await h.request('GET', `/api/v1/queues?practiceId=${p.id}`, { token: manager })).json()) as { data: { key: string }[] };
    expect(list.data.map((q) => q.key)).not.toContain(created.key);
    const all = (await (await h.request('GET', `/api/v1/queues?practiceId=${p.id}&includeArchived=true`, { token: manager })).json()) as { data: { key: string }[] };
    expect(all.data.map((q) => q.key)).toContain(created.key);
    const rules = await h.request('PUT', '/api/v1/rules', { token: manager, body: { practiceId: p.id, rules: [{ id: 'r1', name: 'to overflow', enabled: true, match: 'all', conditions: [], actions: [{ type: 'assign_queue', queue: created.key }] }] } });
    expect(rules.status).toBe(400);
    expect((await h.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: manager, body: { queue: created.key } })).status).toBe(400);

    const all2 = (await (await h.request('GET', `/api/v1/queues?practiceId=${p.id}`, { token: manager })).json()) as { data: { id: string; key: string }[] };
    const urgent = all2.data.find((q) => q.key === 'urgent')!;
    expect((await h.request('POST', `/api/v1/queues/${urgent.id}/archive`, { token: manager })).status).toBe(409);
    const refills = all2.data.find((q) => q.key === 'refills')!;
    const routed = await h.request('POST', `/api/v1/queues/${refills.id}/archive`, { token: manager, body: { moveTo: 'general' } });
    expect(routed.status).toBe(409);
    expect(((await routed.json()) as { error: { message: string } }).error.message).toContain('route-refills');
    expect((await h.request('POST', `/api/v1/queues/${created.id}/unarchive`, { token: manager })).status).toBe(200);
  });
});

describe('insurance and authorisations', () => {
  it('every new practice has the queue with its playbook; insurance verification and prior-auth texts land there, in English and Spanish, with the playbook prefilled', async () => {
    const list = (await (await h.request('GET', `/api/v1/queues?practiceId=${p.id}`, { token: manager })).json()) as { data: { key: string; name: string; playbook: { items: { key: string }[] } | null }[] };
    const insurance = list.data.find((q) => q.key === 'insurance')!;
    expect(insurance.name).toBe('Insurance and authorisations');
    expect(insurance.playbook!.items.map((i) => i.key)).toEqual(['payer', 'member_id', 'date_of_birth', 'procedure_or_medication', 'ordering_provider', 'deadline', 'reference']);

    let n = 8800;
    const arrive = async (body: string) => {
      const sid = fakeSid('SM');
      await postTwilio(h, '/webhooks/twilio/sms', inboundSms(`+1415555${++n}`, p.phoneNumbers[0]!, body, { MessageSid: sid }));
      await h.drain();
      const [m] = await db().select().from(messages).where(eq(messages.providerId, sid));
      const detail = (await (await h.request('GET', `/api/v1/conversations/${m!.conversationId}`)).json()) as {
        queue: { key: string } | null;
        playbook: { items: { key: string; value: string | null }[] } | null;
      };
      return detail;
    };
    const en = await arrive('The pharmacy says my Ozempic needs a prior authorization from the doctor');
    expect(en.queue?.key).toBe('insurance');
    expect(en.playbook!.items.find((i) => i.key === 'procedure_or_medication')!.value).toMatch(/semaglutide/i);
    const verify = await arrive('Can you verify my insurance before my appointment? New Aetna plan, member id W123456789');
    expect(verify.queue?.key).toBe('insurance');
    const es = await arrive('La farmacia dice que mi insulina necesita autorización previa del seguro');
    expect(es.queue?.key).toBe('insurance');
    expect(es.playbook!.items.find((i) => i.key === 'procedure_or_medication')!.value).toMatch(/insulin/i);
    const esVerify = await arrive('¿Pueden verificar mi seguro antes de mi cita? Tengo un plan nuevo de Molina');
    expect(esVerify.queue?.key).toBe('insurance');
    const bill = await arrive('I got a bill for $120, can I pay it online?');
    expect(bill.queue?.key).toBe('billing');
  });
});
