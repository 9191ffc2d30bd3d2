import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../../src/platform/env';

describe('environment', () => {
  it('needs nothing: embedded database, in-process jobs, simulated sends', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATA_DIR).toBe('./data');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.SEND_MODE).toBe('simulate');
    expect(env.PUBLIC_BASE_URL).toBe('http://localhost:3000');
  });

  it('treats an empty variable as unset', () => {
    const env = parseEnv({ PORT: '', DATABASE_URL: ' ', REDIS_URL: '', SEND_MODE: '' });
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', 'port number'],
    [{ PORT: '70000' }, 'PORT', 'port number'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL', 'postgres://'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL', 'redis://'],
    [{ PUBLIC_BASE_URL: 'switchboard.example.com' }, 'PUBLIC_BASE_URL', 'http(s) URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'one of'],
    [{ SEND_MODE: 'sometimes' }, 'SEND_MODE', 'live or simulate'],
  ])('refuses %o naming the variable', (source, variable, problem) => {
    let error: unknown;
    try {
      parseEnv(source);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    expect(message).toContain(variable);
    expect(message).toContain(problem);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('never echoes a value back in the message', () => {
    expect(() => parseEnv({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/^(?!.*hunter2).*$/);
  });

  it('checks secrets for presence only, and goes live when Twilio credentials are set', () => {
    const env = parseEnv({ TWILIO_ACCOUNT_SID: 'not-an-AC-sid', TWILIO_AUTH_TOKEN: 'x' });
    expect(env.TWILIO_ACCOUNT_SID).toBe('not-an-AC-sid');
    expect(env.SEND_MODE).toBe('live');
    expect(parseEnv({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 'x', SEND_MODE: 'simulate' }).SEND_MODE).toBe('simulate');
  });

  it('strips a trailing slash from PUBLIC_BASE_URL', () => {
    expect(parseEnv({ PUBLIC_BASE_URL: 'https://sb.example.com/' }).PUBLIC_BASE_URL).toBe('https://sb.example.com');
  });
});
