import pino, { type Logger } from 'pino';
import { whitelistLogFields } from './log-fields';

export type { Logger };
// the pure parts live beside this file so code that must not load pino (the edge bundle) can use them
export { errorCode, errorSummary, logFields, serializeError, whitelistLogFields } from './log-fields';

export function createLogger(opts: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'switchboard' },
      formatters: {
        log: whitelistLogFields,
        bindings: (b) => whitelistLogFields(b as Record<string, unknown>),
      },
      hooks: {
        // the message is the code's own constant text: an Error passed alone, or printf
        // arguments, would put an error message or a value in it
        logMethod(args, method) {
          const [first, second] = args as unknown[];
          const fields = first instanceof Error ? { err: first } : typeof first === 'object' && first !== null ? first : {};
          const msg = typeof first === 'string' ? first : typeof second === 'string' ? second : first instanceof Error ? 'error' : 'log';
          return method.apply(this, [fields, msg.replace(/%[sdifjoO]/g, '')] as never);
        },
      },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
