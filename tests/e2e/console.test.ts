import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startHarness, type Harness } from '../helpers/harness';
import { makeConversation, makePractice, userWithPassword } from '../helpers/fixtures';
import { chromiumAvailable, launchChromium, listen } from '../helpers/browser';

const enabled = chromiumAvailable();

describe.runIf(enabled)('the console in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  let assistant: { email: string; password: string };

  beforeAll(async () => {
    h = await startHarness({ env: { PUBLIC_BASE_URL: 'http://127.0.0.1' } });
    const db = h.runtime.deps.db;
    const mine = await makePractice(db, 'console-clinic');
    const other = await makePractice(db, 'other-clinic');
    await makeConversation(db, mine.id, { queue: 'refills', firstName: 'Rosa', body: 'can I get a refill of my inhaler' });
    await makeConversation(db, mine.id, { queue: 'billing', firstName: 'Hidden', body: 'billing question' });
    await makeConversation(db, other.id, { queue: 'refills', firstName: 'Elsewhere', body: 'other practice' });
    assistant = await userWithPassword(db, 'assistant', ['console-clinic'], ['refills']);
    const { queues } = await import('../../src/platform/db/schema');
    const { and, eq } = await import('drizzle-orm');
    await db
      .update(queues)
      .set({ playbook: { items: [{ key: 'dob', label: 'Confirm name and date of birth', entity: 'dateOfBirth' }, { key: 'pharmacy', label: 'Pharmacy', entity: 'pharmacy' }] } })
      .where(and(eq(queues.practiceId, mine.id), eq(queues.key, 'refills')));
    server = await listen(h.app.fetch);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it('signs an assistant in and shows only the conversations of their queues', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.fill('input[name=email]', assistant.email);
    await page.fill('input[name=password]', 'wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error:not([hidden])');
    expect(await page.textContent('#login-error')).toContain('Wrong email or password');

    await page.fill('input[name=email]', assistant.email);
    await page.fill('input[name=password]', assistant.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#conversations li');
    const names = await page.$$eval('#conversations li .who', (els) => els.map((e) => e.textContent));
    expect(names).toEqual(['Rosa Example']);

    await page.click('#conversations li');
    await page.waitForSelector('#detail .msg');
    expect(await page.textContent('#detail')).toContain('can I get a refill of my inhaler');
    expect(await page.textContent('.playbook')).toContain('Confirm name and date of birth');
    expect(await page.textContent('#me')).toContain(assistant.email);
    expect(errors).toEqual([]);

    // a note stays internal; a reply goes out (simulated here) and shows its status
    await page.fill('#reply-body', 'Checked the chart, calling the pharmacy');
    await page.click('text=Add internal note');
    await page.waitForSelector('.msg.note');
    await page.fill('#reply-body', 'Your refill was sent to the pharmacy.');
    await page.click('text=Send reply');
    await page.waitForSelector('.msg.outbound');
    expect(await page.textContent('.msg.outbound')).toContain('Your refill was sent to the pharmacy.');
    await page.click('#detail button:has-text("Resolve")');
    await page.waitForSelector('#detail button:has-text("Reopen")');

    await page.click('text=Sign out');
    await page.waitForURL(/\/login$/);
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('lets a manager try a draft rule set on past traffic, then save it', async () => {
    const manager = await userWithPassword(h.runtime.deps.db, 'manager', ['console-clinic']);
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/login`);
    await page.fill('input[name=email]', manager.email);
    await page.fill('input[name=password]', manager.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#conversations li');
    await page.click('#nav-rules');
    await page.waitForSelector('#rules-version:has-text("Live: version 1")');
    const draft = JSON.parse(await page.inputValue('#rules-draft')) as { id: string }[];
    expect(draft.length).toBeGreaterThan(3);
    await page.click('#sim-run');
    await page.waitForSelector('#sim-counts');
    expect(await page.textContent('#sim-result')).toMatch(/\d+ messages/);
    await page.fill('#rules-draft', '[{"id":"x","name":"bad","conditions":[],"actions":[{"type":"assign_queue","queue":"nowhere"}]}]');
    await page.click('#rules-save');
    await page.waitForSelector('#rules-notice:not([hidden])');
    expect(await page.textContent('#rules-notice')).toContain('nowhere');
    await page.fill('#rules-draft', JSON.stringify(draft));
    await page.click('#rules-save');
    await page.waitForSelector('#rules-version:has-text("version 2")');

    await page.click('#nav-figures');
    await page.waitForSelector('#figures-table th:has-text("Practice console-clinic")');
    expect(await page.textContent('#figures-table')).toContain('No-show rate');
    expect(errors).toEqual([]);
  });
});

describe.runIf(enabled)('an admin in the console', () => {
  it('makes a portal token that works on the portal API, and revokes it', async () => {
    const h = await startHarness({ env: { PUBLIC_BASE_URL: 'http://127.0.0.1' } });
    const db = h.runtime.deps.db;
    await makePractice(db, 'token-clinic');
    const admin = await userWithPassword(db, 'admin');
    const server = await listen(h.app.fetch);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(8000);
      await page.goto(`${server.url}/login`);
      await page.fill('input[name=email]', admin.email);
      await page.fill('input[name=password]', admin.password);
      await page.click('button[type=submit]');
      await page.waitForSelector('#nav-tokens:not([hidden])');
      await page.click('#nav-tokens');
      await page.fill('#token-name', 'Patient portal');
      await page.selectOption('#token-role', 'portal');
      await page.click('#token-form button[type=submit]');
      const token = (await page.textContent('#token-value'))!;
      expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      const ok = await h.request('GET', '/api/v1/portal/messages', { token });
      expect(ok.status).toBe(200);
      page.once('dialog', (d) => void d.accept());
      const row = page.locator('#tokens-table tr', { hasText: 'Patient portal' });
      await row.locator('button:has-text("Revoke")').click();
      await row.locator('td:has-text("revoked")').waitFor();
      expect((await h.request('GET', '/api/v1/portal/messages', { token })).status).toBe(401);
    } finally {
      await browser.close();
      await server.close();
      await h.close();
    }
  });
});
