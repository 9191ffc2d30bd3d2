/*
 * Switchboard's reply and reminder templates: the files in this folder (embedded in
 * catalog.ts, so nothing here touches the file system) and a pure renderer.
 *
 *   listTemplates()                      every (purpose, language, channel) we ship
 *   renderTemplate({ purpose, language, channel, vars, timeZone, override })
 *   validateTemplate(source, { purpose, channel })   problems, for saving an override
 *   smsSegments(text)                    GSM-7 / UCS-2 parts, as carriers bill them
 *
 * Handlebars runs in strict mode and every printed variable is checked before rendering, so
 * a missing value is an error naming the variable, never a blank in a patient's text.
 * Only the HTML of an email is escaped; SMS, voice and portal text is plain.
 */
import Handlebars from 'handlebars';
import { analyseTemplate, type VariableUse } from './analyse.js';
import { interpretTemplate } from './interpret.js';
import { templateSources } from './catalog.js';
import { FormatError, formatAt, formatDate, formatHours, formatTime, type DateStyle } from './format.js';
import {
  builtInVariables,
  forbiddenVariables,
  isChannel,
  isPurpose,
  purposeSpecs,
  resolveLanguage,
  type TemplateChannel,
  type TemplateLanguage,
  type TemplatePurpose,
} from './purposes.js';
import { gsmPunctuation, smsSegments, type SmsSegments } from './sms-segments.js';

export { channels, languages, purposes, purposeSpecs, resolveLanguage, forbiddenVariables } from './purposes.js';
export type { TemplateChannel, TemplateLanguage, TemplatePurpose, PurposeSpec, VariableRule } from './purposes.js';
export { smsSegments, isGsm7, gsmPunctuation, SMS_SEGMENT_WARNING_THRESHOLD } from './sms-segments.js';
export type { SmsSegments, SmsEncoding } from './sms-segments.js';
export { formatDate, formatTime, formatAt, formatHours } from './format.js';
export type { WeeklyHours, DateStyle } from './format.js';
export { sampleVars } from './samples.js';

export interface TemplateKey {
  purpose: TemplatePurpose;
  language: TemplateLanguage;
  channel: TemplateChannel;
}

/** The values a template can print. Which ones a purpose may use: `allowedVariables()`. */
export interface TemplateVars {
  practice?: {
    name?: string;
    phone?: string;
    address?: string;
    fax?: string;
    /** a written string, or the practice's `BusinessHours` (formatted by `{{hours}}`) */
    hours?: string | { weekly: Record<string, { open: string; close: string }[] | undefined> };
    portalUrl?: string;
    website?: string;
  };
  patient?: { firstName?: string; lastName?: string };
  appointment?: { startsAt?: string | Date; provider?: string };
  slots?: { number: number | string; startsAt: string | Date }[];
  slot?: { startsAt?: string | Date };
  offer?: { expiresAt?: string | Date };
  sla?: { dueAt?: string | Date };
  refill?: { medication?: string; pharmacy?: string };
  conversation?: { id?: string; url?: string; queue?: string; channel?: string; receivedAt?: string | Date };
  [name: string]: unknown;
}

/** A practice's own version of a template, as stored (`templates.subject`, `templates.body`). */
export interface TemplateOverride {
  body: string;
  subject?: string | null;
}

export interface RenderInput {
  purpose: TemplatePurpose;
  /** the patient's language; anything without templates (or missing) falls back to English */
  language?: string | null;
  channel: TemplateChannel;
  vars: TemplateVars;
  /** IANA zone for dates and times: the patient's, else the practice's */
  timeZone?: string;
  /** a practice override: the stored `{ subject, body }`, or a source in the file format */
  override?: string | TemplateOverride | null;
}

export interface RenderResult {
  /** the template used, after the language fallback */
  key: TemplateKey;
  text: string;
  /** email only */
  subject?: string;
  /** email only: the text as escaped HTML paragraphs, links made clickable */
  html?: string;
  /** SMS only */
  segments?: SmsSegments;
  warnings: string[];
}

export type TemplateProblemCode =
  | 'syntax'
  | 'unknown_helper'
  | 'unsupported'
  | 'unknown_variable'
  | 'variable_not_allowed'
  | 'missing_subject'
  | 'empty'
  | 'opt_out_keyword';

export interface TemplateProblem {
  code: TemplateProblemCode;
  message: string;
  field: 'subject' | 'body';
  variable?: string;
  line?: number;
  column?: number;
}

export type TemplateErrorCode = 'not_found' | 'invalid_template' | 'missing_variable' | 'invalid_value';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    readonly details: { template?: string; variable?: string; line?: number; column?: number; problems?: TemplateProblem[] } = {},
  ) {
    super(message);
  }
}

export function templateId(key: TemplateKey): string {
  return `${key.purpose}.${key.language}.${key.channel}`;
}

/** Every shipped template, sorted by purpose, language, channel. */
export function listTemplates(): TemplateKey[] {
  return Object.keys(templateSources)
    .map((id) => {
      const [purpose, language, channel] = id.split('.') as [TemplatePurpose, TemplateLanguage, TemplateChannel];
      return { purpose, language, channel };
    })
    .sort((a, b) => templateId(a).localeCompare(templateId(b)));
}

/** The shipped source of one template, split into subject and body (to show or to start an override from). */
export function getTemplateSource(key: TemplateKey): TemplateOverride | undefined {
  const source = templateSources[templateId(key)];
  if (source === undefined) return undefined;
  return key.channel === 'email' ? splitEmailSource(source) : { body: source };
}

/** Variable paths a purpose may use on a channel (`slots[].startsAt` is `startsAt` inside `{{#each slots}}`). */
export function allowedVariables(purpose: TemplatePurpose, channel: TemplateChannel): string[] {
  const spec = purposeSpecs[purpose];
  return [
    ...builtInVariables,
    ...spec.variables.filter((v) => !v.channels || v.channels.includes(channel)).map((v) => v.path),
  ];
}

// ---------------------------------------------------------------------------------------------
// Email sources: the first line is "Subject: ...", then a blank line, then the plain-text body.

const SUBJECT_LINE = /^Subject:[ \t]*(.*)\r?\n(?:[ \t]*\r?\n)?/i;

export function splitEmailSource(source: string): TemplateOverride & { bodyLineOffset: number } {
  const m = SUBJECT_LINE.exec(source);
  if (!m) return { subject: null, body: source, bodyLineOffset: 0 };
  const consumed = m[0].split('\n').length - 1;
  return { subject: m[1] ?? '', body: source.slice(m[0].length), bodyLineOffset: consumed };
}

// ---------------------------------------------------------------------------------------------
// Validation

const OPT_OUT_WORDS = /\b(CANCEL|STOPALL|UNSUBSCRIBE|END|QUIT|REVOKE|OPTOUT)\b/;

function knownAnywhere(path: string): boolean {
  return Object.values(purposeSpecs).some((s) => s.variables.some((v) => v.path === path));
}

function checkVariable(use: VariableUse, purpose: TemplatePurpose, channel: TemplateChannel): Omit<TemplateProblem, 'field'> | null {
  const { path } = use;
  const at = { variable: path, line: use.line, column: use.column };
  const allowed = allowedVariables(purpose, channel);
  const leaf = use.role === 'output' || use.role === 'argument';
  if (allowed.includes(path)) return null;
  if (!leaf && allowed.some((a) => a.startsWith(`${path}.`) || a.startsWith(`${path}[]`))) return null;
  const forbidden = forbiddenVariables[path];
  if (forbidden) return { code: 'variable_not_allowed', message: `{{${path}}} is not allowed: ${forbidden}`, ...at };
  const spec = purposeSpecs[purpose];
  const rule = spec.variables.find((v) => v.path === path);
  if (rule?.channels) {
    const hint = path === 'patient.lastName' ? ' (use patient.firstName)' : '';
    return {
      code: 'variable_not_allowed',
      message: `{{${path}}} is not allowed in ${channel} messages, only in ${rule.channels.join(', ')}${hint}`,
      ...at,
    };
  }
  if (knownAnywhere(path)) {
    const why = spec.outreach
      ? `: ${purpose} carries the minimum (first name, date and time, practice name and phone)`
      : '';
    return { code: 'variable_not_allowed', message: `{{${path}}} is not available for ${purpose}${why}`, ...at };
  }
  return {
    code: 'unknown_variable',
    message: `unknown variable {{${path}}}; ${purpose} (${channel}) can use: ${allowed.join(', ')}`,
    ...at,
  };
}

function validatePart(source: string, field: 'subject' | 'body', purpose: TemplatePurpose, channel: TemplateChannel, lineOffset = 0): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  if (source.trim() === '') {
    return [{ code: field === 'subject' ? 'missing_subject' : 'empty', message: `the ${field} is empty`, field }];
  }
  const analysis = analyseTemplate(source);
  for (const p of analysis.problems) {
    problems.push({ ...p, field, line: p.line === undefined ? undefined : p.line + lineOffset });
  }
  for (const use of analysis.uses) {
    const problem = checkVariable(use, purpose, channel);
    if (problem) problems.push({ ...problem, field, line: (problem.line ?? 1) + lineOffset });
  }
  if (channel === 'sms') {
    const word = OPT_OUT_WORDS.exec(source)?.[1];
    if (word) {
      problems.push({
        code: 'opt_out_keyword',
        message: `${word} is a carrier opt-out keyword: a patient who replies ${word} stops every text from the practice. Ask for X to cancel.`,
        field,
      });
    }
  }
  return problems;
}

/**
 * Problems in a template for a purpose and channel; an empty list means it can be saved.
 * `source` is either the stored `{ subject, body }` or a source in the file format (for email,
 * a first line "Subject: ..."). Lines and columns are 1-based, in that source.
 */
export function validateTemplate(
  source: string | TemplateOverride,
  target: { purpose: string; channel: string },
): TemplateProblem[] {
  const { purpose, channel } = target;
  if (!isPurpose(purpose)) return [{ code: 'unsupported', field: 'body', message: `unknown purpose "${purpose}"` }];
  if (!isChannel(channel) || !purposeSpecs[purpose].channels.includes(channel)) {
    return [
      {
        code: 'unsupported',
        field: 'body',
        message: `${purpose} has no ${channel} template; channels: ${purposeSpecs[purpose].channels.join(', ')}`,
      },
    ];
  }
  const parts = toParts(source, channel);
  const problems: TemplateProblem[] = [];
  if (channel === 'email') {
    if (parts.subject == null) {
      problems.push({ code: 'missing_subject', field: 'subject', message: 'an email needs a subject: first line "Subject: ..." then a blank line' });
    } else {
      if (/[\r\n]/.test(parts.subject)) problems.push({ code: 'unsupported', field: 'subject', message: 'the subject must be one line' });
      problems.push(...validatePart(parts.subject, 'subject', purpose, channel, parts.subjectLineOffset));
    }
  } else if (parts.subject != null && parts.subject !== '') {
    problems.push({ code: 'unsupported', field: 'subject', message: `only email has a subject, not ${channel}` });
  }
  problems.push(...validatePart(parts.body, 'body', purpose, channel, parts.bodyLineOffset));
  return problems;
}

function toParts(source: string | TemplateOverride, channel: TemplateChannel) {
  if (typeof source === 'string') {
    if (channel !== 'email') return { subject: null, body: source, subjectLineOffset: 0, bodyLineOffset: 0 };
    const split = splitEmailSource(source);
    return { subject: split.subject ?? null, body: split.body, subjectLineOffset: 0, bodyLineOffset: split.bodyLineOffset };
  }
  return { subject: source.subject ?? null, body: source.body, subjectLineOffset: 0, bodyLineOffset: 0 };
}

// ---------------------------------------------------------------------------------------------
// Rendering

class HelperFailure extends Error {
  constructor(
    message: string,
    readonly loc: hbs.AST.SourceLocation | undefined,
  ) {
    super(message);
  }
}

const engine = Handlebars.create();

type HelperOptions = Handlebars.HelperOptions & { loc?: hbs.AST.SourceLocation; data: { root: Record<string, unknown> } };

function helper(run: (args: unknown[], root: Record<string, unknown>, options: HelperOptions) => string) {
  return function (this: unknown, ...all: unknown[]): string {
    const options = all.pop() as HelperOptions;
    try {
      return run(all, options.data.root, options);
    } catch (err) {
      if (err instanceof FormatError) throw new HelperFailure(err.message, options.loc);
      throw err;
    }
  };
}

function languageOf(arg: unknown, root: Record<string, unknown>): TemplateLanguage {
  return resolveLanguage(typeof arg === 'string' ? arg : (root.lang as string));
}

engine.registerHelper(
  'date',
  helper(([value, tz, lang], root, options) =>
    formatDate(value, (tz ?? root.tz) as string, languageOf(lang, root), (options.hash?.style as DateStyle | undefined) ?? 'weekday'),
  ),
);
engine.registerHelper(
  'time',
  helper(([value, tz, lang], root) => formatTime(value, (tz ?? root.tz) as string, languageOf(lang, root))),
);
engine.registerHelper(
  'at',
  helper(([value, tz, lang], root) => formatAt(value, (tz ?? root.tz) as string, languageOf(lang, root))),
);
engine.registerHelper('hours', helper(([value, lang], root) => formatHours(value, languageOf(lang, root))));

/**
 * Whether this runtime lets Handlebars generate its renderers (`new Function`). Cloudflare
 * Workers do not: there the same parsed template is interpreted (interpret.ts). Asked at the
 * first render, not at load, since that is when the answer applies.
 */
let codeGeneration: boolean | undefined;
function canGenerateCode(): boolean {
  if (codeGeneration === undefined) {
    try {
      codeGeneration = new Function('return true')() === true;
    } catch {
      codeGeneration = false;
    }
  }
  return codeGeneration;
}

const compiled = new Map<string, (root: Record<string, unknown>) => string>();
function compile(source: string): (root: Record<string, unknown>) => string {
  let fn = compiled.get(source);
  if (!fn && !canGenerateCode()) {
    fn = interpretTemplate(source, engine.helpers as never);
    compiled.set(source, fn);
  }
  if (!fn) {
    fn = engine.compile(source, {
      strict: true,
      noEscape: true,
      knownHelpers: { date: true, time: true, at: true, hours: true },
      knownHelpersOnly: true,
    });
    compiled.set(source, fn);
  }
  return fn;
}

function valuesAt(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const segment of path.split('.')) {
    const array = segment.endsWith('[]');
    const name = array ? segment.slice(0, -2) : segment;
    const next: unknown[] = [];
    for (const value of current) {
      const child = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
      if (array) {
        if (Array.isArray(child)) next.push(...child);
        else next.push(undefined);
      } else next.push(child);
    }
    current = next;
  }
  return current;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

const validated = new Map<string, TemplateProblem[]>();

function renderPart(source: string, id: string, field: 'subject' | 'body', lineOffset: number, root: Record<string, unknown>): string {
  const { uses } = analyseTemplate(source);
  for (const use of uses) {
    if ((use.role === 'output' || use.role === 'argument') && !use.guarded && valuesAt(root, use.path).some(isBlank)) {
      const line = use.line + lineOffset;
      throw new TemplateError(
        'missing_variable',
        `${id}: missing variable "${use.path}" (${field}, line ${line}, column ${use.column}); a template never renders a blank`,
        { template: id, variable: use.path, line, column: use.column },
      );
    }
  }
  try {
    return compile(source)(root);
  } catch (err) {
    const loc = err instanceof HelperFailure ? err.loc : undefined;
    const line = loc?.start.line ?? (err as { lineNumber?: number }).lineNumber;
    const column = loc ? loc.start.column + 1 : (err as { column?: number }).column;
    const near = uses.find((u) => u.line === line && u.column >= (column ?? 0));
    const where = line === undefined ? '' : ` (${field}, line ${line + lineOffset})`;
    if (err instanceof HelperFailure) {
      throw new TemplateError('invalid_value', `${id}: ${near ? `"${near.path}": ` : ''}${err.message}${where}`, {
        template: id,
        variable: near?.path,
        line: line === undefined ? undefined : line + lineOffset,
      });
    }
    // strict mode caught a missing key that the check above did not see (e.g. a helper's scope)
    throw new TemplateError('missing_variable', `${id}: missing variable${near ? ` "${near.path}"` : ''}: ${(err as Error).message}${where}`, {
      template: id,
      variable: near?.path,
      line: line === undefined ? undefined : line + lineOffset,
    });
  }
}

function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    // "a las 3:30 p.m." at the end of a sentence: one full stop, not two
    .replace(/\b([ap]\.\s?m\.)\./g, '$1')
    .trim();
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** Plain text to HTML: everything escaped (template text and values alike), paragraphs, line breaks, http(s) links. */
export function textToHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((para) => {
      const html = escapeHtml(para)
        .replace(/https?:\/\/[^\s<>"']+?(?=[.,;:!?)]*(?:\s|$))/g, (url) => `<a href="${url}">${url}</a>`)
        .replace(/\n/g, '<br>\n');
      return `<p>${html}</p>`;
    })
    .join('\n');
}

/**
 * Renders one template for a patient or a staff member. Throws `TemplateError`:
 * `not_found` (no such purpose/channel), `invalid_template` (an override that fails
 * validation), `missing_variable` (a printed variable without a value: its name, line and
 * column are in the message and `details`), `invalid_value` (a date that is not a date, an
 * unknown time zone).
 */
export function renderTemplate(input: RenderInput): RenderResult {
  const { purpose, channel } = input;
  if (!isPurpose(purpose)) throw new TemplateError('not_found', `unknown template purpose "${purpose}"`);
  if (!isChannel(channel) || !purposeSpecs[purpose].channels.includes(channel)) {
    throw new TemplateError('not_found', `${purpose} has no ${channel} template; channels: ${purposeSpecs[purpose].channels.join(', ')}`);
  }
  const key: TemplateKey = { purpose, language: resolveLanguage(input.language), channel };
  const id = templateId(key) + (input.override ? ' (practice override)' : '');

  const source = input.override ?? templateSources[templateId(key)];
  if (source === undefined) throw new TemplateError('not_found', `no template ${templateId(key)}`);

  const cacheKey = `${templateId(key)}\u0000${JSON.stringify(source)}`;
  let problems = validated.get(cacheKey);
  if (!problems) {
    problems = validateTemplate(source, key);
    validated.set(cacheKey, problems);
  }
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new TemplateError('invalid_template', `${id}: ${first.message}${first.line ? ` (${first.field}, line ${first.line})` : ''}`, {
      template: id,
      problems,
    });
  }

  const parts = toParts(source, channel);
  const root: Record<string, unknown> = { ...input.vars, tz: input.timeZone ?? null, lang: key.language };
  let text = tidy(renderPart(parts.body, id, 'body', parts.bodyLineOffset, root));
  const result: RenderResult = { key, text, warnings: [] };

  if (channel === 'email') {
    result.subject = renderPart(parts.subject ?? '', id, 'subject', parts.subjectLineOffset, root).replace(/\s+/g, ' ').trim();
    result.html = textToHtml(text);
  } else if (channel === 'sms') {
    text = gsmPunctuation(text);
    const segments = smsSegments(text);
    result.text = text;
    result.segments = segments;
    result.warnings.push(...segments.warnings);
  } else if (channel === 'voice') {
    // one <Say>: line breaks become sentence pauses the speech engine already makes at full stops
    result.text = text.replace(/\s*\n+\s*/g, ' ');
  }
  return result;
}

/** For callers holding a free string: is it one of our channels / purposes? */
export { isChannel, isPurpose };
