/**
 * Logs carry ids, codes, counts, durations and route patterns: never message bodies, names,
 * phone numbers, emails, dates of birth or SQL. This is enforced here by a whitelist of
 * fields, each with the shape its value must have; a field not in the list, or a value not
 * of its shape, is dropped (its name is kept under `dropped`, so a missing field is easy to
 * spot and add here). Errors keep their class, code and status only: a driver's message can
 * quote the values of the query that failed ("Failed query ... params: ...").
 */
const idValue = /^[A-Za-z0-9_.:/-]{1,160}$/;
const codeValue = /^[A-Za-z0-9_.-]{1,64}$/;
/** a route pattern (`/api/v1/conversations/:id`), never a concrete path that may carry data */
const routeValue = /^\/[A-Za-z0-9_./:{}*-]{0,200}$/;

type FieldCheck = (value: unknown) => boolean;
const isId: FieldCheck = (v) => typeof v === 'string' && idValue.test(v);
const isCode: FieldCheck = (v) => typeof v === 'string' && codeValue.test(v);
const isNumber: FieldCheck = (v) => typeof v === 'number' && Number.isFinite(v);
const isBoolean: FieldCheck = (v) => typeof v === 'boolean' || v === null;
const isCodeOrNumber: FieldCheck = (v) => isCode(v) || isNumber(v);
const listOf =
  (check: FieldCheck): FieldCheck =>
  (v) =>
    Array.isArray(v) && v.length <= 100 && v.every(check);

export const logFields: Record<string, FieldCheck> = {
  // ids
  requestId: isId,
  messageId: isId,
  conversationId: isId,
  practiceId: isId,
  patientId: isId,
  userId: isId,
  tokenId: isId,
  jobId: isId,
  outboxId: isCodeOrNumber,
  callId: isId,
  callSid: isId,
  messageSid: isId,
  recordingId: isId,
  appointmentId: isId,
  reminderId: isId,
  offerId: isId,
  // codes and names of things in our code
  queue: isCode,
  queues: listOf(isCode),
  method: isCode,
  path: (v) => typeof v === 'string' && routeValue.test(v),
  status: isCodeOrNumber,
  code: isCodeOrNumber,
  error: isCode,
  outcome: isCode,
  keyword: isCode,
  signal: isCode,
  kind: isCode,
  channel: isCode,
  dependency: isCode,
  // counts and durations
  ms: isNumber,
  count: isNumber,
  attempt: isNumber,
  retryInMs: isNumber,
  // flags
  duplicate: isBoolean,
  inHours: isBoolean,
  textBack: isBoolean,
  // serialised below to class, code and status
  err: () => true,
};

/** What a log line may say about an error: its class, code and HTTP status; never its message. */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err === 'object' && err !== null ? 'non-error object' : typeof err };
  const out: Record<string, unknown> = { type: isCode(err.name) ? err.name : 'Error' };
  const code = errorCode(err);
  if (code !== undefined) out.code = code;
  const status = (err as { status?: unknown }).status;
  if (isNumber(status)) out.status = status;
  // where in our code, not what: the frames without the first line (which repeats the message)
  const frames = err.stack?.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 8);
  if (frames && frames.length > 0) out.stack = frames.map((l) => l.trim().replace(/\(.*node_modules\//, '(node_modules/'));
  return out;
}

/** The error's code, or its cause's (drizzle wraps the driver's error, which holds the SQLSTATE). */
export function errorCode(err: unknown): string | number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (isCodeOrNumber(e.code)) return e.code as string | number;
  }
  return undefined;
}

/** One short line for an error stored where people read it (the outbox's last error): class and code. */
export function errorSummary(err: unknown): string {
  const s = serializeError(err);
  return s.code !== undefined ? `${String(s.type)} (${String(s.code)})` : String(s.type);
}

/** Keeps whitelisted fields of a log object whose values have the right shape; names the others. */
export function whitelistLogFields(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    const check = logFields[key];
    if (key === 'err') out.err = serializeError(value);
    else if (check && check(value)) out[key] = value;
    else dropped.push(isCode(key) ? key : '?');
  }
  if (dropped.length > 0) out.dropped = dropped;
  return out;
}
