import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, errorSummary } from '../../src/platform/logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, log: createLogger({ level: 'info', destination: stream }) };
}

/** drizzle's error for a failed query: the message quotes the SQL and its params */
function failedQuery() {
  const cause = Object.assign(new Error('duplicate key value violates unique constraint "x"'), { code: '23505', detail: 'Key (value)=(+14155550111) already exists.' });
  const err = new Error('Failed query: insert into "patients" ("first_name", "date_of_birth") values ($1, $2)\nparams: Dana,1961-02-03', { cause });
  err.name = 'DrizzleQueryError';
  return err;
}

describe('logs', () => {
  it('keep whitelisted fields only, and name the dropped ones', () => {
    const { lines, log } = capture();
    log.info({ messageId: 'm1', count: 3, body: 'I have chest pain', phone: '+14155550111', patient: { firstName: 'Dana', email: 'd@example.com' } }, 'x');
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({ messageId: 'm1', count: 3, msg: 'x', dropped: ['body', 'phone', 'patient'] });
    expect(JSON.stringify(line)).not.toMatch(/chest pain|14155550111|Dana|d@example\.com/);
  });

  it('drop a whitelisted field whose value has the wrong shape', () => {
    const { lines, log } = capture();
    log.info({ requestId: 'dana@example.com', path: '/api/v1/patients/Dana Smith', count: '3' }, 'x');
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(line.dropped).toEqual(['requestId', 'path', 'count']);
    expect(JSON.stringify(line)).not.toMatch(/dana|Dana/);
  });

  it('log an error as class, code and where: never its message, its cause\'s detail or the query params', () => {
    const { lines, log } = capture();
    log.error({ err: failedQuery(), requestId: 'r1' }, 'unhandled error');
    log.error(failedQuery());
    log.error({ err: new Error('The To number +1 415 555 0111 (dana@example.com) is not valid') });
    const out = lines.join('');
    expect(out).not.toMatch(/Dana|1961|14155550111|555 0111|dana@example\.com|Failed query|params/);
    const first = JSON.parse(lines[0]!) as { err: Record<string, unknown> };
    expect(first.err).toMatchObject({ type: 'DrizzleQueryError', code: '23505' });
    expect(first.err.stack).toBeInstanceOf(Array);
    expect(errorSummary(failedQuery())).toBe('DrizzleQueryError (23505)');
  });

  it('ignore printf arguments, which could carry a value into the message', () => {
    const { lines, log } = capture();
    (log.info as (...a: unknown[]) => void)('sent to %s', '+14155550111');
    expect(lines.join('')).not.toContain('14155550111');
  });
});
