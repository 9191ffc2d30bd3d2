import { ChannelInputError } from './errors';

/** One part of a multipart/form-data body, with its bytes untouched. */
export interface FormPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Uint8Array;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/**
 * Splits a multipart/form-data body (RFC 7578) into its parts without decoding them.
 *
 * Why not `Request.formData()`: it decodes every text field as UTF-8, while SendGrid's parsed
 * mode posts `text`, `html`, `subject`... in the charset its `charsets` field names
 * (ISO-8859-1, Windows-1252, Shift_JIS...), so those bytes must reach iconv-lite intact.
 * Accepts CRLF (the wire format) and bare LF line ends.
 */
export function readMultipartFormData(body: Uint8Array | ArrayBuffer, contentType: string): FormPart[] {
  const boundary = boundaryOf(contentType);
  const buf = Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body);
  const dashBoundary = Buffer.from(`--${boundary}`, 'latin1');
  const lineDelimiter = Buffer.from(`\n--${boundary}`, 'latin1');

  const isDelimiterEnd = (at: number) => {
    const c = buf[at];
    return c === undefined || c === CR || c === LF || c === DASH || c === 0x20 || c === 0x09;
  };
  // Position of the next "--boundary" that starts a line, at or after `from`.
  const nextDelimiter = (from: number): number => {
    let at = from;
    for (;;) {
      const hit = buf.indexOf(lineDelimiter, at);
      if (hit < 0) return -1;
      if (isDelimiterEnd(hit + lineDelimiter.length)) return hit + 1;
      at = hit + 1;
    }
  };

  let pos =
    buf.subarray(0, dashBoundary.length).equals(dashBoundary) && isDelimiterEnd(dashBoundary.length)
      ? 0
      : nextDelimiter(0);
  if (pos < 0) throw malformed('no multipart boundary found in the body');

  const parts: FormPart[] = [];
  for (;;) {
    const after = pos + dashBoundary.length;
    if (buf[after] === DASH && buf[after + 1] === DASH) break;
    const eol = buf.indexOf(LF, after);
    if (eol < 0) throw malformed('multipart body ends inside a boundary line');
    const start = eol + 1;
    const next = nextDelimiter(start);
    if (next < 0) throw malformed('multipart body has no closing boundary');
    let end = next - 1; // the LF that belongs to the delimiter
    if (end > start && buf[end - 1] === CR) end -= 1;
    parts.push(readPart(buf.subarray(start, Math.max(start, end))));
    pos = next;
  }
  return parts;
}

function readPart(part: Buffer): FormPart {
  let headerEnd: number;
  let bodyStart: number;
  if (part[0] === LF || (part[0] === CR && part[1] === LF)) {
    headerEnd = 0;
    bodyStart = part[0] === LF ? 1 : 2;
  } else {
    const crlf = part.indexOf('\r\n\r\n');
    const lf = part.indexOf('\n\n');
    if (crlf >= 0 && (lf < 0 || crlf < lf)) {
      headerEnd = crlf;
      bodyStart = crlf + 4;
    } else if (lf >= 0) {
      headerEnd = lf;
      bodyStart = lf + 2;
    } else {
      throw malformed('multipart part has no blank line after its headers');
    }
  }
  // RFC 7578 4.2: field names and file names are sent as raw UTF-8 in practice.
  const headers = parseHeaders(part.subarray(0, headerEnd).toString('utf8'));
  const disposition = headers.get('content-disposition');
  if (!disposition) throw malformed('multipart part without Content-Disposition');
  const params = dispositionParams(disposition);
  const name = params.get('name');
  if (name === undefined) throw malformed('multipart part without a field name');
  return {
    name,
    filename: params.get('filename*') ?? params.get('filename') ?? null,
    contentType: headers.get('content-type') ?? null,
    data: new Uint8Array(part.buffer, part.byteOffset + bodyStart, part.length - bodyStart),
  };
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const m of value.matchAll(re)) {
    const key = m[1]!.toLowerCase();
    let v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
    if (key.endsWith('*')) v = decodeExtValue(v);
    params.set(key, v);
  }
  return params;
}

/** RFC 5987 ext-value: charset'lang'percent-encoded */
function decodeExtValue(v: string): string {
  const m = /^([^']*)'[^']*'(.*)$/.exec(v);
  if (!m) return v;
  try {
    return decodeURIComponent(m[2]!);
  } catch {
    return m[2]!;
  }
}

function boundaryOf(contentType: string): string {
  if (!/^\s*multipart\/form-data\b/i.test(contentType)) {
    throw malformed(`expected multipart/form-data, got ${contentType.split(';')[0]?.trim() || 'no content type'}`);
  }
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary || boundary.length > 70) throw malformed('multipart/form-data without a valid boundary');
  return boundary;
}

function malformed(message: string) {
  return new ChannelInputError('malformed_payload', message);
}
