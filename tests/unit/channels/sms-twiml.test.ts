import { describe, expect, it } from 'vitest';
import { emptyMessagingResponse, messagingReply } from '../../../channels/sms/twiml';

describe('messaging TwiML', () => {
  it('answers an empty response', () => {
    expect(emptyMessagingResponse()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
  });

  it('escapes a reply', () => {
    expect(messagingReply('Dr. Smith & Partners <help>: 212-555-0100')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Dr. Smith &amp; Partners &lt;help&gt;: 212-555-0100</Message></Response>',
    );
  });
});
