/**
 * Which media we take in, send and show, in one place. A content type from outside (a
 * provider header, an upload) is only a claim: types that a browser would render as a page
 * (HTML, SVG, XML, script) are never served inline from our origin, and images are checked
 * against their first bytes.
 */

/** `Image/JPEG; charset=x` -> `image/jpeg`; anything unreadable -> application/octet-stream. */
export function normaliseContentType(value: string | null | undefined): string {
  const t = (value ?? '').split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(t) ? t : 'application/octet-stream';
}

/** What a patient may send us through a provider (MMS, a portal link): Twilio's accepted media and documents. */
export function isAcceptedInboundType(type: string): boolean {
  return (
    /^(image|audio|video)\/[a-z0-9.+-]+$/.test(type) && !/svg|xml/.test(type)
  ) || ['application/pdf', 'text/vcard', 'text/x-vcard', 'text/plain', 'text/calendar', 'application/octet-stream'].includes(type);
}

/** What staff may attach to a reply. */
export const uploadTypes = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/heic',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/rtf',
]);

/** MMS: images carriers take everywhere (Twilio resizes them); at most 5 MB in all, 10 files. */
export const mmsTypes = new Set(['image/jpeg', 'image/png', 'image/gif']);
export const MMS_MAX_BYTES = 5 * 1024 * 1024;
export const MMS_MAX_FILES = 10;
/** An upload's size limit; email attachments together at most this much. */
export const UPLOAD_MAX_BYTES = 20 * 1024 * 1024;

/** Shown in the browser (images, audio, video, PDF); everything else downloads. */
export function isInlineSafe(type: string): boolean {
  return /^(image\/(jpeg|png|gif|webp)|audio\/[a-z0-9.+-]+|video\/(mp4|webm|ogg)|application\/pdf)$/.test(type);
}

/** The type the first bytes prove, for the formats that have a signature; null when none matches. */
export function sniffType(bytes: Uint8Array): string | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  if (starts(0x25, 0x50, 0x44, 0x46)) return 'application/pdf';
  return null;
}

/** A claimed type the bytes contradict (a "JPEG" that is not one); types without a signature pass. */
export function bytesContradict(type: string, bytes: Uint8Array): boolean {
  const sniffed = sniffType(bytes);
  if (['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf'].includes(type)) return sniffed !== type;
  return false;
}
