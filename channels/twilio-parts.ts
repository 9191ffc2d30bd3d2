import MessagingResponse from 'twilio/lib/twiml/MessagingResponse.js';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks.js';

/**
 * The parts of Twilio's SDK that answering a webhook needs (TwiML builders, signature checks),
 * each from its own module. `import twilio from 'twilio'` loads every REST client (about 7 MB
 * when bundled) that webhooks never call, and the edge bundle (src/edge.ts) must not carry.
 * Senders and callers, which do call the REST API, import the SDK itself.
 */
const twilio = { twiml: { VoiceResponse, MessagingResponse }, validateRequest, getExpectedTwilioSignature };
export default twilio;
