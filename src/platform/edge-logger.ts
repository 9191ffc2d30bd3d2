import { whitelistLogFields } from './log-fields';
import type { Logger } from './logger';

const levels: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
/**
 * The edge's logger: pino's calling shape (`log.info({ ids }, 'message')`) and its JSON line
 * (level, time, service, fields, msg), written with console.log, which Workers Logs collect.
 * pino itself wants a Node stream; the field whitelist and error serializer are the same as
 * Node's, so a field passed by mistake is dropped here too, and the message is the code's own text.
 */
export function createEdgeLogger(opts: {
  level: string;
  bindings?: Record<string, unknown>;
  write?: (line: string) => void;
}): Logger {
  const threshold = levels[opts.level] ?? levels.info!;
  const bindings = { ...opts.bindings };
  const write = opts.write ?? ((line: string) => console.log(line));
  const at = (level: string) => {
    const n = levels[level]!;
    return (first?: unknown, ...rest: unknown[]) => {
      if (n < threshold) return;
      let fields: Record<string, unknown> = {};
      let msg: unknown;
      if (first instanceof Error) {
        fields = { err: first };
        msg = typeof rest[0] === 'string' ? rest[0] : 'error';
      } else if (first !== null && typeof first === 'object') {
        fields = first as Record<string, unknown>;
        msg = rest[0];
      } else msg = first;
      const entry: Record<string, unknown> = { level: n, time: Date.now(), service: 'switchboard', ...whitelistLogFields({ ...bindings, ...fields }) };
      entry.msg = typeof msg === 'string' ? msg.replace(/%[sdifjoO]/g, '') : 'log';
      write(JSON.stringify(entry));
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
