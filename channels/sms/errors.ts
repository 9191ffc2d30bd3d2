/**
 * A webhook payload that is signed but not usable (a required field missing or malformed).
 * The route maps it to 400: Twilio does not retry 4xx, which is what we want for a payload
 * that will never parse.
 */
export type ChannelInputErrorCode = 'missing_field' | 'invalid_field';

export class ChannelInputError extends Error {
  override readonly name = 'ChannelInputError';
  constructor(
    readonly code: ChannelInputErrorCode,
    /** the provider's parameter name, e.g. `MessageSid` (never its value: it may be a phone number) */
    readonly field: string,
    message?: string,
  ) {
    super(message ?? `${code === 'missing_field' ? 'missing' : 'invalid'} ${field}`);
  }
}

/** Reads a required webhook parameter; empty counts as missing. */
export function requireParam(params: Record<string, string | undefined>, field: string): string {
  const value = params[field];
  if (value === undefined || value.trim() === '') throw new ChannelInputError('missing_field', field);
  return value;
}

/** Reads an optional non-negative integer parameter (`NumMedia`, `RecordingDuration`, ...). */
export function intParam(params: Record<string, string | undefined>, field: string): number | null {
  const value = params[field];
  if (value === undefined || value.trim() === '') return null;
  if (!/^\d+$/.test(value.trim())) throw new ChannelInputError('invalid_field', field);
  return Number(value.trim());
}
