import { redactedPaths, serializeError } from './log-fields';
import type { Logger } from './logger';

const levels: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const redactions = redactedPaths.map((p) => p.split('.'));

function redact(value: unknown, path: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const [head, ...rest] = path;
  const record = value as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(record) : head !== undefined && head in record ? [head] : [];
  for (const key of keys) {
    if (rest.length === 0) record[key] = '[redacted]';
    else redact(record[key], rest);
  }
}

/**
 * The edge's logger: pino's calling shape (`log.info({ ids }, 'message')`) and its JSON line
 * (level, time, service, fields, msg), written with console.log, which Workers Logs collect.
 * pino itself wants a Node stream; the redaction and error serializer are the same as Node's,
 * so a field passed by mistake is hidden here too.
 */
export function createEdgeLogger(opts: {
  level: string;
  bindings?: Record<string, unknown>;
  write?: (line: string) => void;
}): Logger {
  const threshold = levels[opts.level] ?? levels.info!;
  const bindings = { service: 'switchboard', ...opts.bindings };
  const write = opts.write ?? ((line: string) => console.log(line));
  const at = (level: string) => {
    const n = levels[level]!;
    return (first?: unknown, ...rest: unknown[]) => {
      if (n < threshold) return;
      let fields: Record<string, unknown> = {};
      let msg: unknown;
      if (first instanceof Error) {
        fields = { err: first };
        msg = rest[0] ?? first.message;
      } else if (first !== null && typeof first === 'object') {
        fields = first as Record<string, unknown>;
        msg = rest[0];
      } else msg = first;
      const entry: Record<string, unknown> = { level: n, time: Date.now(), ...bindings, ...fields };
      if (entry.err !== undefined) entry.err = serializeError(entry.err);
      if (msg !== undefined) entry.msg = String(msg);
      const copy = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
      for (const path of redactions) redact(copy, path);
      write(JSON.stringify(copy));
    };
  };
  const logger = {
    level: opts.level,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    silent: () => {},
    isLevelEnabled: (level: string) => (levels[level] ?? Infinity) >= threshold,
    child: (more: Record<string, unknown>) => createEdgeLogger({ ...opts, bindings: { ...opts.bindings, ...more } }),
    flush: () => {},
  };
  // the methods the code calls, in pino's shape; the rest of pino's surface is not used
  return logger as unknown as Logger;
}
