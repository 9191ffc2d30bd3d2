// Pure: code that only sorts errors (the inbox's call placing) need not load Twilio's SDK.

export type SendErrorKind = 'retryable' | 'permanent' | 'opted_out';

/**
 * A failed send, sorted for the send job: `retryable` goes back with backoff, `permanent`
 * fails the message with the reason shown to the assistant, `opted_out` (Twilio 21610) also
 * records a revocation in the consent ledger.
 */
export class SendError extends Error {
  override readonly name = 'SendError';
  readonly kind: SendErrorKind;
  /** Twilio's error code (21610, 21211...) when Twilio answered with one */
  readonly code?: number;
  /** HTTP status when Twilio answered at all */
  readonly status?: number;
  constructor(init: { kind: SendErrorKind; message: string; code?: number; status?: number; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    if (init.code !== undefined) this.code = init.code;
    if (init.status !== undefined) this.status = init.status;
  }
}

