import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ChannelInputError } from '../../../channels/email/errors';
import { parseSendGridInbound } from '../../../channels/email/inbound';
import { readMultipartFormData } from '../../../channels/email/multipart';
import {
  CONTENT_TYPE,
  headerBlock,
  inboundRequest,
  multipartBody,
  sendGridSample,
  type FieldSpec,
} from '../../fixtures/email/multipart';

const receivedAt = new Date('2026-03-02T15:00:00Z');
const opts = { maxAttachmentBytes: 10 * 1024 * 1024 };

const fromRaw = (body: Buffer, o = opts) => parseSendGridInbound({ body, contentType: CONTENT_TYPE }, receivedAt, o);
const fromForm = async (body: Buffer, o = opts) =>
  parseSendGridInbound(await inboundRequest(body).formData(), receivedAt, o);

/** A parsed-mode post as SendGrid sends it for one email. */
function parsedPost(over: {
  headers?: Record<string, string>;
  text?: string | Uint8Array;
  html?: string;
  from?: string;
  to?: string;
  cc?: string;
  subject?: string | Uint8Array;
  envelope?: object;
  charsets?: Record<string, string>;
  extra?: FieldSpec[];
}): Buffer {
  const fields: FieldSpec[] = [
    {
      name: 'headers',
      value: headerBlock(
        over.headers ?? {
          'Message-ID': '<CAF=patient-1@mail.gmail.com>',
          From: 'Maria Lopez <Maria.Lopez@Example.com>',
          To: 'front@lakeside.example',
          Subject: 'Appointment',
        },
      ),
    },
    { name: 'from', value: over.from ?? 'Maria Lopez <Maria.Lopez@Example.com>' },
    { name: 'to', value: over.to ?? 'front@lakeside.example' },
  ];
  if (over.cc !== undefined) fields.push({ name: 'cc', value: over.cc });
  fields.push({ name: 'subject', value: over.subject ?? 'Appointment' });
  if (over.text !== undefined) fields.push({ name: 'text', value: over.text });
  if (over.html !== undefined) fields.push({ name: 'html', value: over.html });
  fields.push(
    {
      name: 'envelope',
      value: JSON.stringify(over.envelope ?? { to: ['front@lakeside.example'], from: 'maria.lopez@example.com' }),
    },
    {
      name: 'charsets',
      value: JSON.stringify(over.charsets ?? { to: 'UTF-8', from: 'UTF-8', subject: 'UTF-8', text: 'UTF-8', html: 'UTF-8' }),
    },
    { name: 'SPF', value: 'pass' },
    ...(over.extra ?? []),
  );
  return multipartBody(fields);
}

describe('SendGrid samples', () => {
  it('reads the parsed-mode sample through Request.formData() as Hono hands it over', async () => {
    const message = await fromForm(sendGridSample('default_data.txt'));

    expect(message).toMatchObject({
      channel: 'email',
      to: 'inbound@inbound.example.com',
      from: { kind: 'email', value: 'test@example.com', name: 'Example User' },
      subject: 'Testing non-raw',
      body: 'Hello Twilio SendGrid!',
      originalBody: null,
      attachments: [],
      receivedAt,
      meta: { mode: 'parsed', recipients: ['inbound@inbound.example.com'], spf: 'pass' },
    });
  });

  it('gives a sample without Message-ID the same derived id on every retry', async () => {
    const first = await fromForm(sendGridSample('default_data.txt'));
    const retry = await fromRaw(sendGridSample('default_data.txt'));

    expect(first.providerId).toMatch(/^<[0-9a-f]{40}@derived\.switchboard\.invalid>$/);
    expect(retry.providerId).toBe(first.providerId);
    expect(first.meta?.messageIdDerived).toBe(true);
  });

  it('reads the raw-mode sample (whole MIME in the email field) from raw bytes and from FormData alike', async () => {
    const viaBytes = await fromRaw(sendGridSample('raw_data.txt'));
    const viaForm = await fromForm(sendGridSample('raw_data.txt'));

    expect(viaBytes).toMatchObject({
      to: 'inbound@inbound.inbound.com',
      from: { value: 'test@example.com', name: 'Example User' },
      subject: 'Inbound Parse Test Raw Data',
      body: 'Hello Twilio SendGrid!',
      meta: { mode: 'raw' },
    });
    expect(viaForm).toEqual(viaBytes);
  });

  it('keeps the JPEG attached to the raw-mode sample with its name, type, size and bytes', async () => {
    const message = await fromRaw(sendGridSample('raw_data_with_attachments.txt'));

    expect(message.attachments).toHaveLength(1);
    const [jpeg] = message.attachments;
    expect(jpeg).toMatchObject({ name: 'SendGrid.jpg', contentType: 'image/jpeg', size: 10295 });
    expect(jpeg?.content?.byteLength).toBe(10295);
    expect([...(jpeg?.content?.subarray(0, 3) ?? [])]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('refuses an attachment over the limit, naming the file and the limit', async () => {
    const attempt = fromRaw(sendGridSample('raw_data_with_attachments.txt'), { maxAttachmentBytes: 10_000 });

    await expect(attempt).rejects.toBeInstanceOf(ChannelInputError);
    await expect(attempt).rejects.toMatchObject({
      code: 'attachment_too_large',
      message: expect.stringMatching(/SendGrid\.jpg.*10000 bytes/),
    });
  });
});

describe('charsets', () => {
  const spanish = 'Necesito cambiar mi cita del miércoles. ¿Puedo ir el jueves? Gracias, Begoña';

  it('decodes ISO-8859-1 text, subject and sender name with the charset SendGrid names', async () => {
    const body = parsedPost({
      from: 'Begoña Muñoz <begona@example.es>',
      text: iconv.encode(spanish, 'iso-8859-1'),
      subject: iconv.encode('Cita del miércoles', 'iso-8859-1'),
      charsets: { to: 'UTF-8', from: 'UTF-8', subject: 'iso-8859-1', text: 'iso-8859-1' },
    });

    const message = await fromRaw(body);

    expect(message.body).toBe(spanish);
    expect(message.subject).toBe('Cita del miércoles');
    expect(message.from).toEqual({ kind: 'email', value: 'begona@example.es', name: 'Begoña Muñoz' });
  });

  it('decodes Windows-1252 punctuation (curly quotes, euro) that Outlook sends', async () => {
    const text = 'I can’t make it – is the €20 fee waived?';
    const message = await fromRaw(
      parsedPost({ text: iconv.encode(text, 'windows-1252'), charsets: { text: 'windows-1252' } }),
    );
    expect(message.body).toBe(text);
  });

  it('cannot recover a non-UTF-8 field once Request.formData() has decoded it, which is why the webhook passes raw bytes', async () => {
    const body = parsedPost({ text: iconv.encode(spanish, 'iso-8859-1'), charsets: { text: 'iso-8859-1' } });

    const damaged = await fromForm(body);

    expect(damaged.body).toContain('\uFFFD');
    expect(damaged.meta?.charsetDamaged).toEqual(['text']);
    expect((await fromRaw(body)).body).toBe(spanish);
  });

  it('leaves 8-bit ISO-8859-1 raw MIME to mailparser', async () => {
    const mime = Buffer.concat([
      Buffer.from(
        'From: Begona <begona@example.es>\r\nTo: front@lakeside.example\r\nSubject: Cita\r\n' +
          'Message-ID: <latin1@example.es>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n' +
          'Content-Transfer-Encoding: 8bit\r\n\r\n',
      ),
      iconv.encode(spanish, 'iso-8859-1'),
    ]);
    const body = multipartBody([
      { name: 'email', value: mime },
      { name: 'envelope', value: JSON.stringify({ to: ['front@lakeside.example'], from: 'begona@example.es' }) },
    ]);

    const message = await fromRaw(body);

    expect(message.body).toBe(spanish);
    expect(message.providerId).toBe('<latin1@example.es>');
  });
});

describe('replies and threading', () => {
  it('threads a Gmail reply by Message-ID, In-Reply-To, References and the reply+token address (any case), and strips the quote', async () => {
    const text = [
      'Yes, Tuesday at 3pm works for me.',
      '',
      'Maria',
      '',
      'On Mon, Mar 2, 2026 at 9:14 AM Lakeside Family Medicine <reply+c0nv-tok_9@in.lakeside.example> wrote:',
      '> Hi Maria, could you come in on Tuesday at 3pm?',
      '>',
      '> Lakeside Family Medicine',
    ].join('\n');
    const body = parsedPost({
      headers: {
        'Message-ID': '<CAF=reply-2@mail.gmail.com>',
        'In-Reply-To': '<out-17@lakeside.example>',
        References: '<out-12@lakeside.example> <out-17@lakeside.example>',
        From: 'Maria Lopez <maria.lopez@example.com>',
        To: 'Lakeside Family Medicine <Reply+C0NV-TOK_9@In.Lakeside.example>',
        Subject: 'Re: Your appointment',
      },
      to: 'Lakeside Family Medicine <Reply+C0NV-TOK_9@In.Lakeside.example>',
      envelope: { to: ['Reply+C0nv-Tok_9@in.lakeside.example'], from: 'maria.lopez@example.com' },
      subject: 'Re: Your appointment',
      text,
    });

    const message = await fromForm(body);

    expect(message.providerId).toBe('<CAF=reply-2@mail.gmail.com>');
    expect(message.to).toBe('reply+c0nv-tok_9@in.lakeside.example');
    expect(message.threading).toEqual({
      inReplyTo: '<out-17@lakeside.example>',
      references: ['<out-12@lakeside.example>', '<out-17@lakeside.example>'],
      replyToken: 'c0nv-tok_9',
    });
    expect(message.body).toBe('Yes, Tuesday at 3pm works for me.\n\nMaria');
    expect(message.originalBody).toBe(text);
  });

  it('strips an Outlook "-----Original Message-----" block and a "From: / Sent:" block', async () => {
    const classic = await fromForm(
      parsedPost({
        text: 'Please cancel my appointment.\n\nJohn\n\n-----Original Message-----\nFrom: Lakeside <front@lakeside.example>\nSent: Monday, March 2, 2026 9:14 AM\nTo: John <john@example.com>\nSubject: Reminder\n\nYour appointment is tomorrow at 9.',
      }),
    );
    const modern = await fromForm(
      parsedPost({
        text: 'Please cancel.\r\n\r\n________________________________\r\nFrom: Lakeside Family Medicine <front@lakeside.example>\r\nSent: Monday, March 2, 2026 9:14 AM\r\nTo: John Smith <john@example.com>\r\nSubject: Reminder\r\n\r\nYour appointment is tomorrow.',
      }),
    );

    expect(classic.body).toBe('Please cancel my appointment.\n\nJohn');
    expect(classic.originalBody).toContain('-----Original Message-----');
    expect(modern.body).toBe('Please cancel.');
  });

  it('strips a Spanish "El ... escribió:" quote, "Sent from my iPhone" and a "-- " signature', async () => {
    const es = await fromForm(
      parsedPost({
        text: 'Sí, confirmo la cita.\n\nEl lun, 2 mar 2026 a las 9:14, Clínica Lakeside (<reply+abc@in.lakeside.example>) escribió:\n> Hola Begoña',
      }),
    );
    const iphone = await fromForm(parsedPost({ text: 'Need a refill of lisinopril\n\nSent from my iPhone' }));
    const dashes = await fromForm(parsedPost({ text: 'Need a refill\n\n-- \nJohn Smith\nAcme Corp' }));

    expect(es.body).toBe('Sí, confirmo la cita.');
    expect(iphone.body).toBe('Need a refill of lisinopril');
    expect(dashes.body).toBe('Need a refill');
  });

  it('keeps the whole text when everything in it looks quoted', async () => {
    const message = await fromForm(parsedPost({ text: '> I only forwarded this' }));
    expect(message.body).toBe('> I only forwarded this');
    expect(message.originalBody).toBeNull();
  });

  it('turns an HTML-only Gmail reply into text and strips its blockquote', async () => {
    const html =
      '<div dir="ltr">Yes, Tuesday works.<br><br>Maria</div><br><div class="gmail_quote"><div class="gmail_attr">' +
      'On Mon, Mar 2, 2026 at 9:14 AM Lakeside &lt;<a href="mailto:reply+abc@in.lakeside.example">reply+abc@in.lakeside.example</a>&gt; wrote:<br></div>' +
      '<blockquote class="gmail_quote">Hi Maria, can you come <b>Tuesday</b>?<script>alert(1)</script></blockquote></div>';

    const message = await fromForm(parsedPost({ html }));

    expect(message.body).toBe('Yes, Tuesday works.\n\nMaria');
    expect(message.originalBody).toContain('> Hi Maria, can you come Tuesday?');
    expect(message.originalBody).not.toContain('alert');
    expect(message.originalBody).not.toMatch(/<\/?(b|div|blockquote|script)\b/);
  });
});

describe('recipients and senders', () => {
  it('takes the first envelope recipient as the practice address and lists every recipient', async () => {
    const message = await fromForm(
      parsedPost({
        to: 'Front Desk <Front@Lakeside.example>, billing@lakeside.example',
        cc: 'Husband <jose@example.com>',
        envelope: { to: ['front@lakeside.example'], from: 'maria.lopez@example.com' },
        text: 'Hello',
      }),
    );

    expect(message.to).toBe('front@lakeside.example');
    expect(message.from.value).toBe('maria.lopez@example.com');
    expect(message.meta?.recipients).toEqual(['front@lakeside.example', 'billing@lakeside.example', 'jose@example.com']);
  });

  it('keeps attachments of a parsed-mode post with the names from attachment-info', async () => {
    const pdf = Buffer.from('%PDF-1.4 lab result');
    const body = parsedPost({
      text: 'My insurance card and results attached',
      extra: [
        { name: 'attachments', value: '2' },
        {
          name: 'attachment-info',
          value: JSON.stringify({
            attachment1: { filename: 'results.pdf', name: 'results.pdf', type: 'application/pdf' },
            attachment2: { filename: 'card.png', name: 'card.png', type: 'image/png' },
          }),
        },
        { name: 'attachment1', value: pdf, filename: 'results.pdf', contentType: 'application/pdf' },
        { name: 'attachment2', value: Buffer.from([0x89, 0x50, 0x4e, 0x47]), filename: 'card.png', contentType: 'image/png' },
      ],
    });

    for (const message of [await fromForm(body), await fromRaw(body)]) {
      expect(message.attachments.map(({ name, contentType, size }) => ({ name, contentType, size }))).toEqual([
        { name: 'results.pdf', contentType: 'application/pdf', size: pdf.length },
        { name: 'card.png', contentType: 'image/png', size: 4 },
      ]);
      expect(Buffer.from(message.attachments[0]!.content!).toString()).toBe('%PDF-1.4 lab result');
    }
    await expect(fromRaw(body, { maxAttachmentBytes: 10 })).rejects.toMatchObject({
      code: 'attachment_too_large',
      message: expect.stringContaining('results.pdf'),
    });
  });

  it('refuses a post without a sender or without a recipient', async () => {
    const noSender = multipartBody([
      { name: 'to', value: 'front@lakeside.example' },
      { name: 'text', value: 'hi' },
    ]);
    const noRecipient = multipartBody([
      { name: 'from', value: 'maria@example.com' },
      { name: 'text', value: 'hi' },
    ]);

    await expect(fromRaw(noSender)).rejects.toMatchObject({ code: 'missing_sender' });
    await expect(fromRaw(noRecipient)).rejects.toMatchObject({ code: 'missing_recipient' });
  });

  it('refuses a body that is not multipart/form-data', async () => {
    await expect(
      parseSendGridInbound({ body: Buffer.from('{}'), contentType: 'application/json' }, receivedAt, opts),
    ).rejects.toMatchObject({ code: 'malformed_payload' });
  });
});

describe('readMultipartFormData', () => {
  it('keeps part bytes untouched, including CRLFs inside a value and a boundary-like line', () => {
    const binary = Buffer.from([0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0xff]);
    const body = multipartBody([
      { name: 'text', value: 'line one\r\n--xYzZYnot a boundary\r\nline three' },
      { name: 'attachment1', value: binary, filename: 'résumé.bin', contentType: 'application/octet-stream' },
      { name: 'empty', value: '' },
    ]);

    const parts = readMultipartFormData(body, CONTENT_TYPE);

    expect(parts.map((p) => p.name)).toEqual(['text', 'attachment1', 'empty']);
    expect(Buffer.from(parts[0]!.data).toString()).toBe('line one\r\n--xYzZYnot a boundary\r\nline three');
    expect(Buffer.from(parts[1]!.data)).toEqual(binary);
    expect(parts[1]).toMatchObject({ filename: 'résumé.bin', contentType: 'application/octet-stream' });
    expect(parts[2]!.data.byteLength).toBe(0);
  });

  it('refuses a body that is cut off before its closing boundary', () => {
    const body = multipartBody([{ name: 'text', value: 'hi' }]);
    expect(() => readMultipartFormData(body.subarray(0, body.length - 12), CONTENT_TYPE)).toThrow(ChannelInputError);
  });
});
