import { z } from '@hono/zod-openapi';
import { and, eq, sql, type AnyColumn } from 'drizzle-orm';
import type { Database, Db } from '../platform/db/client';
import { practices, templates } from '../platform/db/schema';
import { canSeePractice, isManagerOf, type Principal } from '../access/principal';
import { AppError, forbidden, notFound } from '../platform/errors';
import {
  TemplateError,
  allowedVariables,
  channels,
  getTemplateSource,
  languages,
  listTemplates,
  purposeSpecs,
  purposes,
  renderTemplate,
  resolveLanguage,
  sampleVars,
  validateTemplate,
  type RenderResult,
  type TemplateChannel,
  type TemplateKey,
  type TemplateLanguage,
  type TemplateProblem,
  type TemplatePurpose,
  type TemplateVars,
} from '../../templates/index';
import { audit } from '../access/audit';

export const TemplateKeyParams = z.object({
  purpose: z.enum(purposes).openapi({ param: { name: 'purpose', in: 'path' } }),
  language: z.enum(languages).openapi({ param: { name: 'language', in: 'path' } }),
  channel: z.enum(channels).openapi({ param: { name: 'channel', in: 'path' } }),
});

const Source = z.object({ subject: z.string().nullable(), body: z.string() });

export const TemplateSchema = z
  .object({
    purpose: z.enum(purposes),
    language: z.enum(languages),
    channel: z.enum(channels),
    audience: z.enum(['patient', 'staff']),
    description: z.string(),
    allowedVariables: z.array(z.string()).openapi({ description: '`slots[].startsAt` is `{{startsAt}}` inside `{{#each slots}}`' }),
    default: Source.openapi({ description: 'the file in templates/' }),
    override: Source.extend({ updatedAt: z.string(), updatedById: z.uuid().nullable() })
      .nullable()
      .openapi({ description: "the practice's own version, used instead of the default" }),
  })
  .openapi('Template');

export const ListTemplatesQuery = z.object({
  practiceId: z.uuid().optional().openapi({ description: "whose overrides to show; default: the caller's practice when there is one" }),
});

export const PutTemplateSchema = z
  .object({
    practiceId: z.uuid(),
    body: z.string().max(5000),
    subject: z.string().max(300).nullable().optional().openapi({ description: 'email only' }),
  })
  .openapi('PutTemplate');

export const PreviewTemplateSchema = z
  .object({
    practiceId: z.uuid(),
    purpose: z.enum(purposes),
    language: z.enum(languages),
    channel: z.enum(channels),
    body: z.string().max(5000).optional().openapi({ description: 'a draft to preview; default: the override, else the file' }),
    subject: z.string().max(300).nullable().optional(),
  })
  .openapi('PreviewTemplate');

export const TemplatePreviewSchema = z
  .object({
    purpose: z.enum(purposes),
    language: z.enum(languages),
    channel: z.enum(channels),
    source: z.enum(['draft', 'override', 'default']),
    text: z.string(),
    subject: z.string().nullable(),
    html: z.string().nullable(),
    segments: z
      .object({ encoding: z.enum(['GSM-7', 'UCS-2']), count: z.number(), characters: z.number(), unicodeCharacters: z.array(z.string()) })
      .nullable()
      .openapi({ description: 'SMS only: the parts a carrier bills' }),
    warnings: z.array(z.string()),
  })
  .openapi('TemplatePreview');

type TemplateRow = typeof templates.$inferSelect;
type PracticeRow = typeof practices.$inferSelect;

const exists = (key: TemplateKey) => getTemplateSource(key) !== undefined;

function view(key: TemplateKey, row: TemplateRow | undefined): z.infer<typeof TemplateSchema> {
  const spec = purposeSpecs[key.purpose];
  const file = getTemplateSource(key)!;
  return {
    ...key,
    audience: spec.audience,
    description: spec.description,
    allowedVariables: allowedVariables(key.purpose, key.channel),
    default: { subject: file.subject ?? null, body: file.body },
    override: row ? { subject: row.subject, body: row.body, updatedAt: row.updatedAt.toISOString(), updatedById: row.updatedById } : null,
  };
}

/** "body: unknown variable {{x}} ... (line 2)": the field and where, so the author can fix it. */
function describeProblems(problems: TemplateProblem[]): string {
  return problems
    .slice(0, 5)
    .map((p) => `${p.field}: ${p.message}${p.line ? ` (line ${p.line}${p.column ? `, column ${p.column}` : ''})` : ''}`)
    .join('; ');
}

async function visiblePractice(db: Db, who: Principal, practiceId: string): Promise<PracticeRow> {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  // another practice is "not found": its existence is not ours to tell
  if (!canSeePractice(who, practiceId)) throw notFound('practice');
  const [p] = await db.select().from(practices).where(eq(practices.id, practiceId));
  if (!p) throw notFound('practice');
  return p;
}

/** The practice's own values for `{{practice.*}}`; a field the practice has not set is left out (a template using it fails loudly). */
export function practiceVars(p: PracticeRow, numberTexted?: string | null): NonNullable<TemplateVars['practice']> {
  const vars: NonNullable<TemplateVars['practice']> = { name: p.name, hours: { weekly: p.hours.weekly } };
  const phone = p.mainPhone ?? numberTexted;
  if (phone) vars.phone = phone;
  if (p.address) vars.address = p.address;
  if (p.fax) vars.fax = p.fax;
  if (p.portalUrl) vars.portalUrl = p.portalUrl;
  if (p.website) vars.website = p.website;
  return vars;
}

/** Every template (purpose, language, channel) with its file default, the practice's override and the variables it may use. */
export async function listPracticeTemplates(db: Database, who: Principal, practiceId?: string) {
  if (who.role === 'portal') throw forbidden('portal tokens can only use the portal routes');
  const pid = practiceId ?? (who.practiceIds !== 'all' && who.practiceIds.length === 1 ? who.practiceIds[0] : undefined);
  const rows = pid ? (await visiblePractice(db, who, pid), await db.select().from(templates).where(eq(templates.practiceId, pid))) : [];
  return listTemplates().map((key) =>
    view(key, rows.find((r) => r.key === key.purpose && r.language === key.language && r.channel === key.channel)),
  );
}

async function loadForChange(tx: Db, who: Principal, practiceId: string, key: TemplateKey) {
  await visiblePractice(tx, who, practiceId);
  if (!isManagerOf(who, practiceId)) throw forbidden('only managers change templates');
  if (!exists(key)) {
    throw new AppError(
      'validation_failed',
      `channel: ${key.purpose} has no ${key.channel} template; channels: ${purposeSpecs[key.purpose].channels.join(', ')}`,
    );
  }
}

/** Saves a practice's own version of one template, after validation: a bad one changes nothing. */
export async function putTemplate(
  db: Database,
  who: Principal,
  key: TemplateKey,
  input: z.input<typeof PutTemplateSchema>,
  now: Date,
  requestId: string | null,
) {
  const data = PutTemplateSchema.parse(input);
  return db.transaction(async (tx) => {
    await loadForChange(tx, who, data.practiceId, key);
    const source = { body: data.body, subject: data.subject ?? null };
    const problems = validateTemplate(source, key);
    if (problems.length > 0) throw new AppError('validation_failed', describeProblems(problems), { problems });
    const values = {
      practiceId: data.practiceId,
      key: key.purpose,
      language: key.language,
      channel: key.channel,
      subject: key.channel === 'email' ? source.subject : null,
      body: data.body,
      updatedById: who.userId,
      updatedAt: now,
    };
    const [row] = await tx
      .insert(templates)
      .values({ ...values, createdAt: now })
      .onConflictDoUpdate({ target: [templates.practiceId, templates.key, templates.language, templates.channel], set: values })
      .returning();
    await audit(tx, who, requestId, {
      action: 'template.update',
      subjectType: 'template',
      subjectId: row!.id,
      practiceId: data.practiceId,
      detail: { ...key },
    });
    return view(key, row);
  });
}

/** Removes a practice's override: the file default applies again. */
export async function deleteTemplate(db: Database, who: Principal, key: TemplateKey, practiceId: string, requestId: string | null) {
  return db.transaction(async (tx) => {
    await loadForChange(tx, who, practiceId, key);
    const removed = await tx
      .delete(templates)
      .where(
        and(
          eq(templates.practiceId, practiceId),
          eq(templates.key, key.purpose),
          eq(templates.language, key.language),
          eq(templates.channel, key.channel),
        ),
      )
      .returning({ id: templates.id });
    await audit(tx, who, requestId, {
      action: 'template.reset',
      subjectType: 'template',
      subjectId: removed[0]?.id ?? null,
      practiceId,
      detail: { ...key, removed: removed.length > 0 },
    });
    return view(key, undefined);
  });
}

async function overrideFor(db: Db, practiceId: string, key: TemplateKey): Promise<TemplateRow | undefined> {
  const [row] = await db
    .select()
    .from(templates)
    .where(
      and(
        eq(templates.practiceId, practiceId),
        eq(templates.key, key.purpose),
        eq(templates.language, key.language),
        eq(templates.channel, key.channel),
      ),
    );
  return row;
}

/** Renders a draft, the override or the default with the practice's real values and example values for the rest. */
export async function previewTemplate(db: Database, who: Principal, input: z.input<typeof PreviewTemplateSchema>) {
  const data = PreviewTemplateSchema.parse(input);
  const key: TemplateKey = { purpose: data.purpose, language: data.language, channel: data.channel };
  const practice = await visiblePractice(db, who, data.practiceId);
  if (!exists(key)) {
    throw new AppError('validation_failed', `channel: ${key.purpose} has no ${key.channel} template; channels: ${purposeSpecs[key.purpose].channels.join(', ')}`);
  }
  const stored = data.body === undefined ? await overrideFor(db, data.practiceId, key) : undefined;
  const override = data.body !== undefined ? { body: data.body, subject: data.subject ?? null } : stored ? { body: stored.body, subject: stored.subject } : null;
  if (override) {
    const problems = validateTemplate(override, key);
    if (problems.length > 0) throw new AppError('validation_failed', describeProblems(problems), { problems });
  }
  const sample = sampleVars(key.purpose) as TemplateVars;
  const own = practiceVars(practice);
  const warnings: string[] = [];
  const fields = ['name', 'phone', 'address', 'fax', 'hours', 'portalUrl', 'website'] as const;
  const file = getTemplateSource(key)!;
  const used = override ? `${override.subject ?? ''}\n${override.body}` : `${file.subject ?? ''}\n${file.body}`;
  for (const f of fields) {
    if (own[f] === undefined && new RegExp(`practice\\.${f}\\b`).test(used)) {
      warnings.push(`practice.${f}: this practice has none set, so an example is shown; a real message would fail until it is set`);
    }
  }
  const vars: TemplateVars = { ...sample, practice: { ...sample.practice, ...own } };
  const rendered = render({ ...key, vars, timeZone: practice.timeZone, override });
  return {
    ...key,
    source: data.body !== undefined ? ('draft' as const) : stored ? ('override' as const) : ('default' as const),
    text: rendered.text,
    subject: rendered.subject ?? null,
    html: rendered.html ?? null,
    segments: rendered.segments
      ? {
          encoding: rendered.segments.encoding,
          count: rendered.segments.count,
          characters: rendered.segments.characters,
          unicodeCharacters: rendered.segments.unicodeCharacters,
        }
      : null,
    warnings: [...warnings, ...rendered.warnings],
  };
}

/** renderTemplate with a value problem (a date that is not a date) as a 400 naming the variable. */
function render(input: Parameters<typeof renderTemplate>[0]): RenderResult {
  try {
    return renderTemplate(input);
  } catch (err) {
    if (err instanceof TemplateError) {
      throw new AppError('validation_failed', `${err.details.variable ? `${err.details.variable}: ` : 'body: '}${err.message}`);
    }
    throw err;
  }
}

export interface RenderForPracticeInput {
  practiceId: string;
  purpose: TemplatePurpose;
  /** the patient's language; without templates in it, English */
  language?: string | null;
  channel: TemplateChannel;
  /** patient, appointment, refill, sla... values; `practice.*` is filled from the practices row (a value given here wins) */
  vars?: TemplateVars;
  /** default: the practice's zone */
  timeZone?: string | null;
  /** the practice number the patient texted: `practice.phone` when the practice has no main phone */
  numberTexted?: string | null;
  /** the practice's row when the caller has read it already (else it is read here) */
  practice?: PracticeRow;
  /** the practice's overrides of this purpose and channel in every language, when the caller has read them (else the one needed is read here) */
  overrides?: { language: string; body: string; subject: string | null }[];
}

type Override = NonNullable<RenderForPracticeInput['overrides']>[number];

/** renderForPractice's `overrides`, as a subquery of a caller's statement */
export const overridesOf = (practiceId: AnyColumn, purpose: TemplatePurpose, channel: AnyColumn) =>
  sql`(
    select coalesce(json_agg(json_build_object('language', t.language, 'body', t.body, 'subject', t.subject)), '[]'::json)
      from ${templates} t where t.practice_id = ${practiceId} and t.key = ${purpose} and t.channel = ${channel})`.mapWith(
    // json comes back parsed from postgres.js and PGlite alike; text is parsed here
    (v: Override[] | string): Override[] => (typeof v === 'string' ? (JSON.parse(v) as Override[]) : v),
  );

/**
 * Renders a template for a practice: its override for the (resolved) language and channel
 * when it has one, else the file; practice values from the database. Throws `TemplateError`
 * like renderTemplate (e.g. `missing_variable` when the practice has no fax and the template
 * prints it), never renders a blank.
 */
export async function renderForPractice(db: Db, input: RenderForPracticeInput): Promise<RenderResult & { overridden: boolean }> {
  const practice = input.practice ?? (await db.select().from(practices).where(eq(practices.id, input.practiceId)))[0];
  if (!practice) throw new TemplateError('not_found', `practice ${input.practiceId} not found`);
  const key: TemplateKey = { purpose: input.purpose, language: resolveLanguage(input.language) as TemplateLanguage, channel: input.channel };
  const row = input.overrides ? input.overrides.find((o) => o.language === key.language) : await overrideFor(db, input.practiceId, key);
  const vars = input.vars ?? {};
  const result = renderTemplate({
    ...key,
    vars: { ...vars, practice: { ...practiceVars(practice, input.numberTexted), ...vars.practice } },
    timeZone: input.timeZone ?? practice.timeZone,
    override: row ? { body: row.body, subject: row.subject } : null,
  });
  return { ...result, overridden: Boolean(row) };
}
