/**
 * msw stand-ins for Twilio's REST API (Messages, Voice Intelligence transcripts) that record
 * every request exactly as it reached the wire, so tests can assert the form body the real
 * twilio client sent.
 *
 *   const twilioApi = createTwilioApiMock();
 *   const server = setupServer(...twilioApi.handlers);
 *   twilioApi.failNextMessage({ status: 400, code: 21610 });
 *   ...
 *   expect(twilioApi.messages[0]?.form).toEqual({ To: '+1...', From: '+1...', Body: '...' });
 */
import { http, HttpResponse } from 'msw';

export const TWILIO_API = 'https://api.twilio.com/2010-04-01';
export const TWILIO_INTELLIGENCE_API = 'https://intelligence.twilio.com/v2';

export interface RecordedTwilioRequest {
  method: string;
  url: string;
  pathname: string;
  /** lower-cased header names */
  headers: Record<string, string>;
  /** the raw urlencoded body */
  rawBody: string;
  /** decoded form; a repeated key (MediaUrl) keeps every value in an array */
  form: Record<string, string | string[]>;
  /** account SID from the path, or from basic auth */
  accountSid: string | null;
}

export interface TwilioErrorReply {
  status: number;
  /** Twilio error code in the JSON body (21610, 20429...) */
  code?: number;
  message?: string;
}

export type MessageReply = TwilioErrorReply | 'network-error';

export interface TranscriptState {
  status: 'queued' | 'in-progress' | 'completed' | 'failed' | 'canceled';
  sentences?: string[];
}

function decodeForm(raw: string): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const seen = form[key];
    if (seen === undefined) form[key] = value;
    else form[key] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return form;
}

async function record(request: Request, accountSid: string | null): Promise<RecordedTwilioRequest> {
  const url = new URL(request.url);
  const rawBody = request.method === 'GET' ? '' : await request.text();
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  let sid = accountSid;
  if (!sid && headers.authorization?.startsWith('Basic ')) {
    sid = Buffer.from(headers.authorization.slice(6), 'base64').toString('utf8').split(':')[0] ?? null;
  }
  return { method: request.method, url: request.url, pathname: url.pathname, headers, rawBody, form: decodeForm(rawBody), accountSid: sid };
}

function errorBody(reply: TwilioErrorReply) {
  return HttpResponse.json(
    {
      code: reply.code ?? reply.status,
      message: reply.message ?? `Twilio error ${reply.code ?? reply.status}`,
      more_info: `https://www.twilio.com/docs/errors/${reply.code ?? reply.status}`,
      status: reply.status,
    },
    { status: reply.status },
  );
}

/** Twilio-shaped SIDs, counting up so tests can predict them: SM000...001. */
function sid(prefix: string, n: number): string {
  return `${prefix}${n.toString(16).padStart(32, '0')}`;
}

/** What a media or recording URL answers: bytes with a type, a redirect, or an error. */
export type MediaReply =
  | { bytes: Uint8Array; contentType: string }
  | { redirect: string }
  | TwilioErrorReply;

/** A tiny JPEG and an MP3 frame header: enough for type checks. */
export const SAMPLE_JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);
export const SAMPLE_MP3 = new Uint8Array(Array.from({ length: 1000 }, (_, i) => (i < 3 ? [0x49, 0x44, 0x33][i]! : i % 251)));
export const TWILIO_CDN = 'https://mms.twiliocdn.com';

export function createTwilioApiMock() {
  const requests: RecordedTwilioRequest[] = [];
  const media = new Map<string, MediaReply>();
  const answerMedia = (reply: MediaReply) => {
    if ('redirect' in reply) return new HttpResponse(null, { status: 307, headers: { location: reply.redirect } });
    if ('bytes' in reply) {
      return new HttpResponse(reply.bytes, { status: 200, headers: { 'content-type': reply.contentType, 'content-length': String(reply.bytes.byteLength) } });
    }
    return errorBody(reply);
  };
  const messageReplies: MessageReply[] = [];
  const transcripts = new Map<string, TranscriptState>();
  let messageCount = 0;
  let transcriptCount = 0;
  let callCount = 0;
  const callReplies: MessageReply[] = [];

  const handlers = [
    // MMS media: Twilio answers with a redirect to a short-lived CDN link (HTTP auth enforced)
    http.get(`${TWILIO_API}/Accounts/:accountSid/Messages/:messageSid/Media/:mediaSid`, async ({ request }) => {
      requests.push(await record(request, null));
      const path = new URL(request.url).pathname;
      return answerMedia(media.get(path) ?? { redirect: `${TWILIO_CDN}/${String(path.split('/').at(-1))}?Expires=1&Signature=x` });
    }),
    http.get(`${TWILIO_CDN}/:file`, async ({ request }) => {
      requests.push(await record(request, null));
      return answerMedia(media.get(new URL(request.url).pathname) ?? { bytes: SAMPLE_JPEG, contentType: 'image/jpeg' });
    }),
    // recordings: `.mp3` answers MP3
    http.get(`${TWILIO_API}/Accounts/:accountSid/Recordings/:file`, async ({ request }) => {
      requests.push(await record(request, null));
      return answerMedia(media.get(new URL(request.url).pathname) ?? { bytes: SAMPLE_MP3, contentType: 'audio/mpeg' });
    }),
    // outbound calls (a call placed from the inbox)
    http.post(`${TWILIO_API}/Accounts/:accountSid/Calls.json`, async ({ request, params }) => {
      const recorded = await record(request, String(params.accountSid));
      requests.push(recorded);
      const reply = callReplies.shift();
      if (reply === 'network-error') return HttpResponse.error();
      if (reply) return errorBody(reply);
      callCount += 1;
      return HttpResponse.json(
        { sid: sid('CA', callCount), account_sid: params.accountSid, to: recorded.form.To, from: recorded.form.From, status: 'queued', direction: 'outbound-api', api_version: '2010-04-01' },
        { status: 201 },
      );
    }),
    http.post(`${TWILIO_API}/Accounts/:accountSid/Messages.json`, async ({ request, params }) => {
      const recorded = await record(request, String(params.accountSid));
      requests.push(recorded);
      const reply = messageReplies.shift();
      if (reply === 'network-error') return HttpResponse.error();
      if (reply) return errorBody(reply);
      messageCount += 1;
      const form = recorded.form;
      const now = new Date().toUTCString();
      return HttpResponse.json(
        {
          sid: sid('SM', messageCount),
          account_sid: params.accountSid,
          to: form.To,
          from: form.From ?? null,
          messaging_service_sid: form.MessagingServiceSid ?? null,
          body: form.Body,
          status: 'queued',
          num_segments: '1',
          num_media: Array.isArray(form.MediaUrl) ? String(form.MediaUrl.length) : form.MediaUrl ? '1' : '0',
          direction: 'outbound-api',
          api_version: '2010-04-01',
          date_created: now,
          date_updated: now,
          date_sent: null,
          error_code: null,
          error_message: null,
          price: null,
          price_unit: 'USD',
          uri: `/2010-04-01/Accounts/${params.accountSid}/Messages/${sid('SM', messageCount)}.json`,
          subresource_uris: {},
        },
        { status: 201 },
      );
    }),

    http.post(`${TWILIO_INTELLIGENCE_API}/Transcripts`, async ({ request }) => {
      const recorded = await record(request, null);
      requests.push(recorded);
      transcriptCount += 1;
      const transcriptSid = sid('GT', transcriptCount);
      transcripts.set(transcriptSid, transcripts.get(transcriptSid) ?? { status: 'queued' });
      return HttpResponse.json(transcriptBody(transcriptSid, recorded), { status: 201 });
    }),

    http.get(`${TWILIO_INTELLIGENCE_API}/Transcripts/:sid`, async ({ request, params }) => {
      requests.push(await record(request, null));
      const state = transcripts.get(String(params.sid));
      if (!state) return errorBody({ status: 404, code: 20404, message: 'not found' });
      return HttpResponse.json({ ...transcriptBody(String(params.sid), null), status: state.status });
    }),

    http.get(`${TWILIO_INTELLIGENCE_API}/Transcripts/:sid/Sentences`, async ({ request, params }) => {
      requests.push(await record(request, null));
      const state = transcripts.get(String(params.sid));
      if (!state) return errorBody({ status: 404, code: 20404, message: 'not found' });
      const url = `${TWILIO_INTELLIGENCE_API}/Transcripts/${String(params.sid)}/Sentences?PageSize=50&Page=0`;
      return HttpResponse.json({
        sentences: (state.sentences ?? []).map((transcript, i) => ({
          media_channel: 1,
          sentence_index: i,
          start_time: String(i * 3),
          end_time: String(i * 3 + 3),
          transcript,
          sid: sid('GX', i + 1),
          confidence: '0.9',
          words: [],
        })),
        meta: { page: 0, page_size: 50, first_page_url: url, previous_page_url: null, url, next_page_url: null, key: 'sentences' },
      });
    }),
  ];

  function transcriptBody(transcriptSid: string, created: RecordedTwilioRequest | null) {
    const channel = created?.form.Channel;
    return {
      account_sid: 'AC00000000000000000000000000000000',
      service_sid: created?.form.ServiceSid ?? 'GA00000000000000000000000000000000',
      sid: transcriptSid,
      date_created: '2026-01-01T00:00:00Z',
      date_updated: '2026-01-01T00:00:00Z',
      status: 'queued',
      channel: typeof channel === 'string' ? JSON.parse(channel) : {},
      data_logging: false,
      language_code: 'es-US',
      customer_key: created?.form.CustomerKey ?? null,
      media_start_time: null,
      duration: 0,
      url: `${TWILIO_INTELLIGENCE_API}/Transcripts/${transcriptSid}`,
      redaction: false,
      links: {},
    };
  }

  return {
    handlers,
    /** every request in arrival order */
    requests,
    /** message creates only */
    get messages() {
      return requests.filter((r) => r.pathname.endsWith('/Messages.json'));
    },
    /** call creates only */
    get calls() {
      return requests.filter((r) => r.pathname.endsWith('/Calls.json'));
    },
    failNextCall(reply: MessageReply) {
      callReplies.push(reply);
    },
    /** media and recording fetches only */
    get mediaFetches() {
      return requests.filter((r) => r.method === 'GET' && (r.pathname.includes('/Media/') || r.pathname.includes('/Recordings/') || r.url.startsWith(TWILIO_CDN)));
    },
    /** what a media path (e.g. /2010-04-01/Accounts/AC../Messages/MM../Media/ME..) answers */
    setMedia(path: string, reply: MediaReply) {
      media.set(path, reply);
    },
    /** answers the next message create with an error (queued in order) */
    failNextMessage(reply: MessageReply) {
      messageReplies.push(reply);
    },
    /** sets what a transcript answers on fetch: e.g. completed with its sentences */
    setTranscript(transcriptSid: string, state: TranscriptState) {
      transcripts.set(transcriptSid, state);
    },
    /** the SID the n-th (1-based) created message or transcript gets */
    sid,
    reset() {
      requests.length = 0;
      messageReplies.length = 0;
      transcripts.clear();
      media.clear();
      callReplies.length = 0;
      messageCount = 0;
      transcriptCount = 0;
    },
  };
}

export type TwilioApiMock = ReturnType<typeof createTwilioApiMock>;
