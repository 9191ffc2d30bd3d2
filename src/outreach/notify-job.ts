import { and, eq, inArray } from 'drizzle-orm';
import { conversations, practiceAddresses, practiceGrants, practices, queues, users } from '../platform/db/schema';
import { createSimulatedSmsSender, createTwilioSmsSender, type SmsSender } from '../../channels/sms/sender';
import type { EmailSender } from '../../channels/email/sender';
import { createEmailSender } from './deliver/email';
import { renderTemplate } from '../../templates/index';
import { audit } from '../access/audit';
import { defineJob } from '../platform/jobs/registry';

/**
 * Sends a notice to staff by SMS and/or email. The notices carry the practice name, the
 * conversation's id, link, queue, channel and times, never the patient's name or words.
 */
export function notifyJob(senders?: { sms?: SmsSender; email?: EmailSender }) {
  const clients: { sms?: SmsSender; email?: EmailSender } = {};
  return defineJob({
    queue: 'notify',
    worker: { concurrency: 4 },
    attempts: 5,
    backoffMs: 5_000,
    async exec(deps, job) {
      const { env, db } = deps;
      const d = job.data;
      const [row] = await db
        .select({ c: conversations, p: practices, queueName: queues.name })
        .from(conversations)
        .innerJoin(practices, eq(practices.id, conversations.practiceId))
        .leftJoin(queues, eq(queues.id, conversations.queueId))
        .where(eq(conversations.id, d.conversationId));
      if (!row) return;
      const addresses = await db.select().from(practiceAddresses).where(eq(practiceAddresses.practiceId, row.p.id));
      const fromNumber = addresses.find((a) => a.kind === 'phone' && a.sms)?.value ?? null;
      const fromEmail = addresses.find((a) => a.kind === 'email')?.value ?? null;

      const recipients: { channel: 'sms' | 'email'; to: string }[] = [];
      if (d.target === 'address') {
        if (d.channel && d.to) recipients.push({ channel: d.channel, to: d.to });
      } else if (d.target === 'on_call') {
        if (row.p.onCallPhone) recipients.push({ channel: 'sms', to: row.p.onCallPhone });
        if (row.p.onCallEmail) recipients.push({ channel: 'email', to: row.p.onCallEmail });
      } else {
        const people =
          d.target === 'assignee' && row.c.assigneeId
            ? await db.select({ email: users.email }).from(users).where(and(eq(users.id, row.c.assigneeId), eq(users.active, true)))
            : await db
                .select({ email: users.email })
                .from(users)
                .innerJoin(practiceGrants, eq(practiceGrants.userId, users.id))
                .where(and(eq(practiceGrants.practiceId, row.p.id), inArray(users.role, ['manager']), eq(users.active, true)));
        for (const p of people) recipients.push({ channel: 'email', to: p.email });
      }

      const vars = {
        practice: { name: row.p.name },
        conversation: {
          id: row.c.id,
          url: `${env.PUBLIC_BASE_URL}/#/conversations/${row.c.id}`,
          queue: row.queueName ?? 'unassigned',
          channel: row.c.channel,
          receivedAt: row.c.lastInboundAt ?? row.c.lastMessageAt,
        },
        sla: { dueAt: d.dueAt ?? row.c.slaDueAt ?? row.c.lastMessageAt },
      };
      // the provider clients are made once, on the first notice
      const sms = (clients.sms ??=
        senders?.sms ??
        (env.SEND_MODE === 'live' && env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
          ? createTwilioSmsSender({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN })
          : createSimulatedSmsSender()));
      const email = (clients.email ??= senders?.email ?? createEmailSender(env));
      const sent: { channel: string; status: string; providerId: string | null }[] = [];
      for (const r of recipients) {
        const rendered = renderTemplate({ purpose: d.purpose, language: 'en', channel: r.channel, vars, timeZone: row.p.timeZone });
        const key = `notify:${job.data.outboxId ?? job.id}:${r.channel}:${r.to}`;
        if (r.channel === 'sms') {
          if (!fromNumber) continue;
          const res = await sms.send({ from: fromNumber, to: r.to, body: rendered.text, idempotencyKey: key });
          sent.push({ channel: 'sms', status: res.status, providerId: res.providerId });
        } else {
          if (!fromEmail) continue;
          const res = await email.send({
            from: { email: fromEmail, name: `Switchboard for ${row.p.name}` },
            to: r.to,
            subject: rendered.subject ?? 'Switchboard notice',
            text: rendered.text,
            html: rendered.html ?? null,
            idempotencyKey: key,
            customArgs: { outboundId: key },
          });
          sent.push({ channel: 'email', status: res.status, providerId: res.providerId });
        }
      }
      await audit(db, 'system', job.data.requestId ?? null, {
        action: 'notification.sent',
        subjectType: 'conversation',
        subjectId: row.c.id,
        practiceId: row.p.id,
        detail: { purpose: d.purpose, target: d.target, recipients: recipients.length, sent },
      });
    },
  });
}
