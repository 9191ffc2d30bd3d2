#!/usr/bin/env node
// README screenshots of a running demo (npm start): the inbox, a conversation, the rules
// editor and the figures, taken in Debian's Chromium with playwright-core.
//   node bin/screenshots.mjs http://localhost:3000 admin@maple-street.example.com PASSWORD
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { root } from './build.mjs';

const [base, email, password] = process.argv.slice(2);
if (!base || !email || !password) {
  process.stderr.write('usage: node bin/screenshots.mjs BASE_URL EMAIL PASSWORD\n');
  process.exit(2);
}
const out = (name) => join(root, 'docs', 'screenshots', `${name}.png`);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#conversations a.row');
  // the inbox with the emergency at the top opened
  await page.locator('#conversations a.row').first().click();
  await page.waitForSelector('.thread .msg');
  await page.screenshot({ path: out('inbox') });
  // a refill request: triage with entities, the checklist, the patient panel, a canned answer
  await page.fill('#search', 'CVS on main');
  await page.selectOption('#status', 'all');
  await page.selectOption('#channel', 'sms');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('#conversations a.row')];
    return rows.length > 0 && rows.every((r) => r.textContent.includes('SMS') && r.textContent.includes('CVS on main'));
  });
  const refill = page.locator('#conversations a.row').first();
  await refill.click();
  await page.waitForSelector('.playbook');
  await page.locator('#conversation-title').click();
  await page.keyboard.press('r');
  await page.waitForFunction(() => document.activeElement?.id === 'reply-body');
  await page.keyboard.type('/ref');
  await page.waitForSelector('#compose-options [aria-selected=true]');
  await page.screenshot({ path: out('conversation') });
  await page.keyboard.press('Escape');
  await page.click('text=Discard').catch(() => {});
  await page.click('#nav-rules');
  await page.waitForSelector('.rule-card');
  await page.click('#sim-run');
  await page.waitForSelector('#sim-counts');
  await page.screenshot({ path: out('rules') });
  await page.click('#nav-figures');
  await page.waitForSelector('#tiles');
  await page.waitForFunction(() => [...document.querySelectorAll('.chart img')].every((i) => i.complete && i.naturalWidth > 0));
  await page.screenshot({ path: out('figures'), fullPage: false });
  process.stdout.write(`screenshots in ${join(root, 'docs', 'screenshots')}\n`);
} finally {
  await browser.close();
}
