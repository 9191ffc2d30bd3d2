/**
 * Logs carry ids, never message bodies, names, phone numbers or emails. Redaction is the
 * safety net for a field passed by mistake; the habit is to log ids only.
 */
export const redactedPaths = [
  'body',
  'text',
  'subject',
  'html',
  'email',
  'phone',
  'from',
  'to',
  'name',
  'firstName',
  'lastName',
  'dateOfBirth',
  'password',
  'token',
  'authorization',
  'cookie',
  '*.body',
  '*.text',
  '*.subject',
  '*.email',
  '*.phone',
  '*.from',
  '*.to',
  '*.name',
  '*.firstName',
  '*.lastName',
  '*.dateOfBirth',
  '*.password',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: 'non-error thrown' };
  const out: Record<string, unknown> = { type: err.name, message: scrub(err.message) };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  const status = (err as { status?: unknown }).status;
  if (status !== undefined) out.status = status;
  if (err.stack) out.stack = scrub(err.stack);
  return out;
}

/** Error messages from drivers can quote values: hide anything shaped like a phone or email. */
export function scrub(text: string): string {
  return text
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]')
    .replace(/\+?\d[\d\s().-]{8,}\d/g, '[number]')
    .replace(/(Key \([^)]*\)=)\([^)]*\)/g, '$1([value])');
}
