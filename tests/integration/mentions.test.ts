import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { messages } from '../../src/platform/db/schema';
import { updateUser } from '../../src/staff/user-admin';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, userWithPassword } from '../helpers/fixtures';
import type { PracticeView } from '../../src/practices/practices';
import type { Principal } from '../../src/access/principal';

// issue 14, point 2: notes with @mentions that reach the colleague named
let h: Harness;
let p: PracticeView;
let other: PracticeView;
const system = { kind: 'user', userId: null, tokenId: null, role: 'admin', practiceIds: 'all', queueIds: null } as Principal;
beforeAll(async () => {
  h = await startHarness();
  p = await makePractice(h.runtime.deps.db, 'mention-clinic');
  other = await makePractice(h.runtime.deps.db, 'mention-elsewhere');
});
afterAll(() => h.close());
const db = () => h.runtime.deps.db;

async function signIn(email: string, password: string) {
  const res = await h.app.request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, 'x-csrf-token': csrfToken };
}

describe('a note naming a colleague', () => {
  it('records who it names (by name or email, whole names only), and the named colleague finds it under mentions=me', async () => {
    const sam = await userWithPassword(db(), 'assistant', [p.slug]);
    await updateUser(db(), system, sam.id, { name: 'Sam Lee' }, null);
    const samantha = await userWithPassword(db(), 'assistant', [p.slug]);
    await updateUser(db(), system, samantha.id, { name: 'Sam Leeds' }, null);
    const outsider = await userWithPassword(db(), 'manager', [other.slug]);
    await updateUser(db(), system, outsider.id, { name: 'Olga Out' }, null);
    const { conversation } = await makeConversation(db(), p.id, { queue: 'general', body: 'question about my forms' });
    const { conversation: quiet } = await makeConversation(db(), p.id, { queue: 'general', body: 'another one' });

    const res = await h.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { body: { kind: 'note', body: '@Sam Lee can you call her back? cc @olga out' } });
    expect(res.status).toBe(201);
    const note = (await res.json()) as { messageId: string; mentions: string[] };
    expect(note.mentions).toEqual([sam.id]);
    const [stored] = await db().select().from(messages).where(eq(messages.id, note.messageId));
    expect(stored!.meta).toMatchObject({ mentions: [sam.id] });
    await h.request('POST', `/api/v1/conversations/${quiet.id}/messages`, { body: { kind: 'note', body: `asked ${samantha.email} by email, not a mention` } });

    const mine = async (who: { email: string; password: string }) => {
      const headers = await signIn(who.email, who.password);
      const list = (await (await h.app.request('/api/v1/inbox?mentions=me&status=all', { headers })).json()) as { data: { id: string }[] };
      return list.data.map((c) => c.id);
    };
    expect(await mine(sam)).toEqual([conversation.id]);
    expect(await mine(samantha)).toEqual([]);
    // a token is no one: nothing mentions it
    const asToken = (await (await h.request('GET', '/api/v1/inbox?mentions=me&status=all')).json()) as { data: unknown[] };
    expect(asToken.data).toEqual([]);
    expect((await h.request('GET', '/api/v1/inbox?mentions=someone')).status).toBe(400);
  });
});
