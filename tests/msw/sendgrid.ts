import { http, HttpResponse, type HttpResponseResolver } from 'msw';

export const SENDGRID_MAIL_SEND = 'https://api.sendgrid.com/v3/mail/send';

export interface RecordedSendGridRequest {
  headers: Record<string, string>;
  body: unknown;
}

type Responder = (request: RecordedSendGridRequest, index: number) => Response | Promise<Response>;

/**
 * msw stand-in for SendGrid's v3 mail send. Records every request exactly as the client sent
 * it; answers 202 with an X-Message-Id like SendGrid unless told otherwise.
 */
export function createSendGridMock() {
  const requests: RecordedSendGridRequest[] = [];
  const queued: Responder[] = [];
  let fallback: Responder = (_req, index) =>
    new HttpResponse(null, { status: 202, headers: { 'X-Message-Id': `sg-msg-${index + 1}` } });

  const resolver: HttpResponseResolver = async ({ request }) => {
    const recorded: RecordedSendGridRequest = {
      headers: Object.fromEntries(request.headers.entries()),
      body: await request.json(),
    };
    const index = requests.push(recorded) - 1;
    return (queued.shift() ?? fallback)(recorded, index);
  };

  return {
    handlers: [http.post(SENDGRID_MAIL_SEND, resolver)],
    requests,
    /** answer the next request with this, then go back to the default */
    respondOnce(responder: Responder) {
      queued.push(responder);
    },
    respondAlways(responder: Responder) {
      fallback = responder;
    },
  };
}

/** An error answer in SendGrid's shape: `{ errors: [{ message, field, help }] }`. */
export function sendGridError(status: number, message: string, field: string | null = null): Response {
  return HttpResponse.json({ errors: [{ message, field, help: null }] }, { status });
}
