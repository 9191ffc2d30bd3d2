export type ChannelInputErrorCode =
  | 'attachment_too_large'
  | 'missing_sender'
  | 'missing_recipient'
  | 'malformed_payload';

/**
 * The provider posted something we cannot accept. The webhook answers 4xx for it, because
 * SendGrid retries only 5xx and a retry of bad input can never succeed.
 */
export class ChannelInputError extends Error {
  override readonly name = 'ChannelInputError';

  constructor(
    readonly code: ChannelInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}
