import twilio from '../twilio-parts';

/** The answer to an inbound SMS webhook when nothing is said back at once (the usual case:
 * replies go through the send job so they are stored, rate limited and retried). */
export function emptyMessagingResponse(): string {
  return (emptyResponse ??= new twilio.twiml.MessagingResponse().toString());
}
// the same bytes every time: built once
let emptyResponse: string | undefined;

/** An immediate reply inside the webhook answer (e.g. HELP), escaped by the TwiML builder. */
export function messagingReply(text: string): string {
  const response = new twilio.twiml.MessagingResponse();
  response.message(text);
  return response.toString();
}
