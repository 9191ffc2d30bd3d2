import pino, { type Logger } from 'pino';
import { redactedPaths, serializeError } from './log-fields';

export type { Logger };
// the pure parts live beside this file so code that must not load pino (the edge bundle) can use them
export { redactedPaths, scrub, serializeError } from './log-fields';

export function createLogger(opts: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'switchboard' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      // Error objects may carry provider responses that echo a phone number: keep type and code only.
      serializers: { err: serializeError },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
