import EmailReplyParser from 'email-reply-parser';
import { simpleParser } from 'mailparser';

/** Beyond this the reply parser's regexes are not worth the time: the text is kept whole. */
const MAX_REPLY_PARSE_CHARS = 100_000;

/**
 * What the patient wrote now: quoted history ("On ... wrote:", "El ... escribió:",
 * "-----Original Message-----", Outlook's "From: / Sent:" block, "> " lines) and signatures
 * ("-- ", "Sent from my iPhone") removed by email-reply-parser, which handles about ten
 * locales. Falls back to the whole text when stripping would leave nothing, so a message is
 * never stored empty because it looked like a quote.
 */
export function stripQuotedReply(text: string): string {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (normalized.length > MAX_REPLY_PARSE_CHARS) return normalized.trim();
  const visible = new EmailReplyParser().read(normalized).getVisibleText().trim();
  return visible.length > 0 ? visible : normalized.trim();
}

/**
 * HTML to plain text through mailparser, our declared MIME dependency, which converts with
 * html-to-text behind a nesting-depth guard (deeply nested markup cannot hang or overflow
 * it). Blockquotes come out as "> " lines, so a quoted HTML reply strips like a plain one.
 */
export async function htmlToPlainText(html: string): Promise<string> {
  const mime = `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${html}`;
  const parsed = await simpleParser(Buffer.from(mime, 'utf8'), {
    skipImageLinks: true,
    skipTextLinks: true,
    skipTextToHtml: true,
  });
  return (parsed.text ?? '').trim();
}
