import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrub } from '../../src/platform/logger';

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

describe('logs', () => {
  it('redact bodies, names, numbers and emails passed by mistake', () => {
    const { lines, log } = capture();
    log.info({ messageId: 'm1', body: 'I have chest pain', phone: '+14155550111', patient: { firstName: 'Dana', email: 'd@example.com' } }, 'x');
    const out = lines.join('');
    expect(out).toContain('m1');
    expect(out).not.toContain('chest pain');
    expect(out).not.toContain('+14155550111');
    expect(out).not.toContain('Dana');
    expect(out).not.toContain('d@example.com');
  });

  it('scrub phone numbers and emails out of error messages', () => {
    const { lines, log } = capture();
    log.error({ err: new Error('The To number +1 415 555 0111 (dana@example.com) is not valid') }, 'send failed');
    const out = lines.join('');
    expect(out).not.toContain('555 0111');
    expect(out).not.toContain('dana@example.com');
    expect(scrub('Key (value)=(+14155550111) already exists')).not.toContain('14155550111');
  });
});
