import { z } from '@hono/zod-openapi';
import { and, count, desc, eq, gt, inArray } from 'drizzle-orm';
import type { Database, Db } from '../../platform/db/client';
import { appointments, ehrConnections, ehrWriteBacks, importRuns } from '../../platform/db/schema';
import { canSeePractice, isAdmin, isManagerOf, type Principal } from '../../access/principal';
import { AppError, forbidden, notFound } from '../../platform/errors';
import { audit } from '../../access/audit';
import { open, seal, SecretKeyMissingError } from '../../access/secret-box';
import { findPractice } from '../../practices/practices';
import { importRunView, ImportRunSchema } from '../import-runs';
import { FhirClient, type FhirAuth, type FhirClientOptions } from './fhir-client';
import { scheduleEhrSync } from './sync-queue';
import { requeueWriteBack } from './write-back-queue';

/*
 * A practice's EHR connection: its FHIR base URL, how we sign in (a bearer token, or OAuth2
 * client credentials), how often the schedule is synced, and whether what happens here is
 * written back. The token or client secret is sealed with EHR_SECRET_KEY (AES-256-GCM) and
 * never leaves the server again: views say only that one is set.
 */

export type EhrConnectionRow = typeof ehrConnections.$inferSelect;

const isLocalHost = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/** https, or http to this machine (a test server, a local proxy); credentials never cross the network in clear. */
const FhirUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2000)
  .refine((v) => {
    const u = new URL(v);
    return u.protocol === 'https:' || isLocalHost(u.hostname);
  }, 'must be https (http only to localhost)')
  .refine((v) => !new URL(v).username && !new URL(v).password, 'must not carry a user or password (use auth)')
  .transform((v) => v.replace(/\/+$/, ''));

export const EhrAuthInputSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('bearer'),
        token: z.string().trim().min(8, 'must be at least 8 characters').max(8192).optional().openapi({ description: 'write-only; omit to keep the stored one' }),
      })
      .strict(),
    z
      .object({
        kind: z.literal('client_credentials'),
        tokenUrl: FhirUrl.openapi({ description: "the authorization server's token endpoint" }),
        clientId: z.string().trim().min(1).max(500),
        clientSecret: z.string().min(1).max(8192).optional().openapi({ description: 'write-only; omit to keep the stored one' }),
        scope: z.string().trim().max(2000).nullable().optional().openapi({ example: 'system/Appointment.rs system/Appointment.cu system/Patient.rs' }),
      })
      .strict(),
  ])
  .openapi('EhrAuthInput');

export const EhrConnectionInputSchema = z
  .object({
    fhirBaseUrl: FhirUrl.openapi({ example: 'https://ehr.example.com/fhir/r4' }),
    auth: EhrAuthInputSchema,
    syncMinutes: z
      .number()
      .int()
      .min(5, 'must be at least 5')
      .max(24 * 60, 'must be at most 1440')
      .nullable()
      .openapi({ description: 'minutes between scheduled syncs; null syncs only when asked; default 60' }),
    writeBack: z.boolean().openapi({ description: 'write cancellations, confirmations, reschedules and waitlist bookings back to the EHR; default false' }),
  })
  .partial()
  .strict()
  .openapi('EhrConnectionInput', {
    description:
      'A new connection needs fhirBaseUrl and auth with its secret; on an existing one an absent field is untouched. A secret is needed again when the kind, the server, the token URL or the client id changes. `null` removes the connection.',
  });
export type EhrConnectionInput = z.infer<typeof EhrConnectionInputSchema>;

export const EhrConnectionSchema = z
  .object({
    fhirBaseUrl: z.string(),
    auth: z.object({
      kind: z.enum(['bearer', 'client_credentials']),
      tokenUrl: z.string().nullable(),
      clientId: z.string().nullable(),
      scope: z.string().nullable(),
      secretSet: z.literal(true).openapi({ description: 'the token or client secret is stored (encrypted); it is never returned' }),
    }),
    syncMinutes: z.number().int().nullable(),
    writeBack: z.boolean(),
    status: z.enum(['new', 'ok', 'error', 'failing']).openapi({
      description: 'new: never synced; ok: the last sync worked; error: it failed and is retried with backoff; failing: the EHR refused the credentials, scheduled syncs are paused until they are saved again',
    }),
    statusReason: z.string().nullable(),
    nextSyncAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('EhrConnection');

export const EhrStatusSchema = z
  .object({
    practiceId: z.uuid(),
    connection: EhrConnectionSchema.nullable(),
    lastSync: ImportRunSchema.nullable().openapi({ description: 'the last finished sync: counts, problems, error' }),
    runningSync: ImportRunSchema.nullable().openapi({ description: 'a sync under way, with its progress' }),
    writeBacks: z.object({
      pending: z.number().int().openapi({ description: 'changes waiting to reach the EHR (retrying included)' }),
      failed: z.number().int().openapi({ description: 'changes that gave up; each is shown on its appointment' }),
    }),
  })
  .openapi('EhrStatus');

export const connectionView = (c: EhrConnectionRow): z.infer<typeof EhrConnectionSchema> => ({
  fhirBaseUrl: c.fhirBaseUrl,
  auth: { kind: c.authKind, tokenUrl: c.tokenUrl, clientId: c.clientId, scope: c.scope, secretSet: true },
  syncMinutes: c.syncMinutes,
  writeBack: c.writeBack,
  status: c.status,
  statusReason: c.statusReason,
  nextSyncAt: c.nextSyncAt?.toISOString() ?? null,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export const DEFAULT_SYNC_MINUTES = 60;
const secretContext = (practiceId: string) => `ehr-connection:${practiceId}`;

export async function findConnection(db: Db, practiceId: string): Promise<EhrConnectionRow | null> {
  const [row] = await db.select().from(ehrConnections).where(eq(ehrConnections.practiceId, practiceId));
  return row ?? null;
}

/** The practice, for its managers and admins (assistants: 403; a practice the caller cannot see: 404). */
async function practiceOf(db: Db, who: Principal, idOrSlug: string) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const practice = await findPractice(db, idOrSlug);
  if (!practice || !canSeePractice(who, practice.id)) throw notFound('practice');
  if (!isManagerOf(who, practice.id)) throw forbidden('only managers and admins of the practice see and run its EHR connection');
  return practice;
}

interface Plan {
  remove: boolean;
  values: Omit<typeof ehrConnections.$inferInsert, 'practiceId'>;
  secretChanged: boolean;
  serverChanged: boolean;
  reschedule: boolean;
  fields: string[];
}

/**
 * Checks a connection change against what is stored and seals a new secret: everything that
 * can refuse the change happens here, before anything is written (PATCH may change the
 * practice's other fields after this and must not leave half of it done).
 */
export async function planEhrConnection(db: Db, who: Principal, practiceId: string, input: EhrConnectionInput | null, secretKey: string | undefined): Promise<Plan> {
  if (!isAdmin(who)) throw forbidden('only admins change a practice’s EHR connection');
  const current = await findConnection(db, practiceId);
  if (input === null) return { remove: true, values: {} as Plan['values'], secretChanged: false, serverChanged: false, reschedule: false, fields: [] };
  const data = EhrConnectionInputSchema.parse(input);
  const fields = Object.keys(data);
  if (!current && (!data.fhirBaseUrl || !data.auth)) {
    throw new AppError('validation_failed', `ehr: a new connection needs ${[!data.fhirBaseUrl && 'fhirBaseUrl', !data.auth && 'auth'].filter(Boolean).join(' and ')}`);
  }
  const baseUrl = data.fhirBaseUrl ?? current!.fhirBaseUrl;
  const serverChanged = !current || new URL(baseUrl).origin !== new URL(current.fhirBaseUrl).origin;
  const auth = data.auth;
  const kind = auth?.kind ?? current!.authKind;
  const tokenUrl = auth?.kind === 'client_credentials' ? auth.tokenUrl : auth ? null : current!.tokenUrl;
  const clientId = auth?.kind === 'client_credentials' ? auth.clientId : auth ? null : current!.clientId;
  const scope = auth?.kind === 'client_credentials' ? (auth.scope ?? null) : auth ? null : current!.scope;
  const newSecret = auth?.kind === 'bearer' ? auth.token : auth?.kind === 'client_credentials' ? auth.clientSecret : undefined;
  // a stored secret goes only where it was given for: a new server or client needs it again
  const secretNeeded = !current || kind !== current.authKind || serverChanged || tokenUrl !== current.tokenUrl || clientId !== current.clientId;
  if (newSecret === undefined && secretNeeded) {
    throw new AppError(
      'validation_failed',
      `ehr.auth.${kind === 'bearer' ? 'token' : 'clientSecret'}: is required ${current ? 'when the server, the kind of sign-in, the token URL or the client id changes' : 'for a new connection'}`,
    );
  }
  let secret = current?.secret;
  if (newSecret !== undefined) {
    try {
      secret = seal(JSON.stringify(kind === 'bearer' ? { token: newSecret } : { clientSecret: newSecret }), secretKey, secretContext(practiceId));
    } catch (err) {
      if (err instanceof SecretKeyMissingError) {
        throw new AppError('conflict', 'EHR_SECRET_KEY is not set on this server, so EHR credentials cannot be stored encrypted: set it (openssl rand -base64 32) and restart, then save again');
      }
      throw err;
    }
  }
  const syncMinutes = data.syncMinutes !== undefined ? data.syncMinutes : (current?.syncMinutes ?? (current ? null : DEFAULT_SYNC_MINUTES));
  const credentialsChanged = newSecret !== undefined || serverChanged;
  const values: Plan['values'] = {
    fhirBaseUrl: baseUrl,
    authKind: kind,
    tokenUrl,
    clientId,
    scope,
    secret: secret!,
    syncMinutes,
    writeBack: data.writeBack ?? current?.writeBack ?? false,
    ...(credentialsChanged ? { status: 'new' as const, statusReason: null, consecutiveFailures: 0 } : {}),
  };
  const reschedule = !current || credentialsChanged || syncMinutes !== current.syncMinutes;
  return { remove: false, values, secretChanged: newSecret !== undefined, serverChanged, reschedule, fields };
}

/** Writes a planned change, schedules the first sync, audits (without the secret, of course). */
export async function applyEhrConnection(db: Database, who: Principal, practiceId: string, plan: Plan, now: Date, requestId: string | null) {
  return db.transaction(async (tx) => {
    if (plan.remove) {
      const gone = await tx.delete(ehrConnections).where(eq(ehrConnections.practiceId, practiceId)).returning({ id: ehrConnections.practiceId });
      await audit(tx, who, requestId, { action: 'practice.ehr.update', subjectType: 'practice', subjectId: practiceId, practiceId, detail: { removed: gone.length > 0 } });
      return null;
    }
    const values = { ...plan.values, updatedAt: now };
    await tx
      .insert(ehrConnections)
      .values({ practiceId, ...values, createdAt: now })
      .onConflictDoUpdate({ target: ehrConnections.practiceId, set: values });
    if (plan.reschedule) await scheduleEhrSync(tx, practiceId, values.syncMinutes === null ? null : now);
    if (plan.secretChanged) {
      // the connection was fixed: what gave up while it was broken is tried again
      const failed = await tx
        .select({ id: ehrWriteBacks.id })
        .from(ehrWriteBacks)
        .innerJoin(appointments, eq(appointments.id, ehrWriteBacks.appointmentId))
        .where(and(eq(ehrWriteBacks.practiceId, practiceId), eq(ehrWriteBacks.status, 'failed'), gt(appointments.startsAt, now)));
      for (const f of failed) await requeueWriteBack(tx, f.id, now);
    }
    await audit(tx, who, requestId, {
      action: 'practice.ehr.update',
      subjectType: 'practice',
      subjectId: practiceId,
      practiceId,
      detail: { fields: plan.fields, secretChanged: plan.secretChanged },
    });
    return connectionView((await findConnection(tx, practiceId))!);
  });
}

/** The connection (without its secret), the last sync and one under way, and the write-backs not done. */
export async function getEhrStatus(db: Database, who: Principal, idOrSlug: string): Promise<z.infer<typeof EhrStatusSchema>> {
  const practice = await practiceOf(db, who, idOrSlug);
  const connection = await findConnection(db, practice.id);
  const [lastSync] = await db
    .select()
    .from(importRuns)
    .where(and(eq(importRuns.practiceId, practice.id), eq(importRuns.kind, 'ehr_sync'), inArray(importRuns.status, ['done', 'failed'])))
    .orderBy(desc(importRuns.startedAt))
    .limit(1);
  const [running] = await db
    .select()
    .from(importRuns)
    .where(and(eq(importRuns.practiceId, practice.id), eq(importRuns.kind, 'ehr_sync'), eq(importRuns.status, 'running')))
    .orderBy(desc(importRuns.startedAt))
    .limit(1);
  const tally = await db
    .select({ status: ehrWriteBacks.status, n: count() })
    .from(ehrWriteBacks)
    .where(and(eq(ehrWriteBacks.practiceId, practice.id), inArray(ehrWriteBacks.status, ['pending', 'running', 'failed'])))
    .groupBy(ehrWriteBacks.status);
  const n = (s: string) => Number(tally.find((t) => t.status === s)?.n ?? 0);
  return {
    practiceId: practice.id,
    connection: connection ? connectionView(connection) : null,
    lastSync: lastSync ? importRunView(lastSync) : null,
    runningSync: running ? importRunView(running) : null,
    writeBacks: { pending: n('pending') + n('running'), failed: n('failed') },
  };
}

export { practiceOf as ehrPracticeFor };

/** The EHR refused the credentials: the connection says so and scheduled syncs pause until they are saved again. */
export async function markConnectionFailing(db: Db, practiceId: string, reason: string, now: Date): Promise<void> {
  await db
    .update(ehrConnections)
    .set({ status: 'failing', statusReason: reason.slice(0, 500), nextSyncAt: null, updatedAt: now })
    .where(eq(ehrConnections.practiceId, practiceId));
}

export class EhrCredentialsError extends Error {
  override name = 'EhrCredentialsError';
}

/** How the FHIR client behaves (tests make it quick; jobs keep long waits for the outbox). */
export type EhrClientTuning = Pick<FhirClientOptions, 'fetch' | 'sleep' | 'attempts' | 'backoffMs' | 'maxWaitMs' | 'now'>;

/** A FHIR client signed in as the practice's connection. */
export function clientFor(connection: EhrConnectionRow, secretKey: string | undefined, tuning: EhrClientTuning = {}): FhirClient {
  let plain: string | null;
  try {
    plain = open(connection.secret, secretKey, secretContext(connection.practiceId));
  } catch (err) {
    if (err instanceof SecretKeyMissingError) throw new EhrCredentialsError('EHR_SECRET_KEY is not set on this server: the stored EHR credentials cannot be opened');
    throw err;
  }
  if (plain === null) throw new EhrCredentialsError('the stored EHR credentials do not open with this EHR_SECRET_KEY (was the key changed?): save them again');
  const secret = JSON.parse(plain) as { token?: string; clientSecret?: string };
  const auth: FhirAuth =
    connection.authKind === 'bearer'
      ? { kind: 'bearer', token: secret.token ?? '' }
      : { kind: 'client_credentials', tokenUrl: connection.tokenUrl ?? '', clientId: connection.clientId ?? '', clientSecret: secret.clientSecret ?? '', scope: connection.scope };
  return new FhirClient({ baseUrl: connection.fhirBaseUrl, auth, ...tuning });
}
