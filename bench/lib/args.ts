import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface BenchArgs {
  json: boolean;
  /** seconds of the timed part */
  duration: number;
  [own: string]: string | boolean | number | undefined;
}

/** The options every benchmark takes (`--json`, `--duration SECONDS`) plus its own (strings). */
export function benchArgs(argv: string[], own: Options, defaults: { duration: number }): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false }, duration: { type: 'string' }, ...own },
    strict: true,
  }) as { values: Record<string, string | boolean | undefined> };
  const duration = values.duration === undefined ? defaults.duration : Number(values.duration);
  if (!(duration > 0)) throw new Error('--duration takes a number of seconds above 0');
  return { ...values, json: Boolean(values.json), duration };
}

export function numberArg(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} takes a number above 0`);
  return n;
}
