import type { MiddlewareHandler } from 'hono';
import { AppError } from '../platform/errors';
import type { AppEnv } from './context';

/** Deeper than any body this API takes (routing rules nest a few levels); deeper is refused before any schema walks it. */
export const maxJsonDepth = 32;

/**
 * Routes whose JSON carries what a patient wrote (the portal's messages): a NUL there is
 * removed when stored (src/platform/text.ts), never refused. Every other body is refused.
 */
const patientContentRoutes = new Set(['POST /api/v1/portal/messages']);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Input every route refuses the same way, before it reaches a schema or the database:
 * - a URL with malformed percent-encoding, invalid UTF-8 or a NUL (`queue=%00`): 400;
 * - a JSON body that is not UTF-8 (it would be stored with U+FFFD in place of the bytes): 400;
 * - a JSON body nested deeper than `maxJsonDepth`, or holding a NUL in a string or key, or a
 *   form body holding a NUL: 400.
 * Provider webhooks are not JSON APIs: their content is cleaned where it is parsed.
 */
export function inputGuard(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    checkUrl(c.req.url);
    const contentType = c.req.header('content-type') ?? '';
    if (/json/i.test(contentType) && !c.req.path.startsWith('/webhooks/') && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      // read once here; hono keeps the bytes, so the route's validator reads the same body
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        throw new AppError('invalid_json', 'the request body is not valid UTF-8');
      }
      if (text.trim() !== '') {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw new AppError('invalid_json', 'the request body is not valid JSON');
        }
        const problem = inspect(value, !patientContentRoutes.has(`${c.req.method} ${c.req.path}`));
        if (problem) throw new AppError('validation_failed', problem);
      }
    } else if (/^application\/x-www-form-urlencoded/i.test(contentType) && !c.req.path.startsWith('/webhooks/')) {
      // the console's sign-in form: the same rule as JSON (Twilio's forms are cleaned where they are verified)
      const text = await c.req.text();
      for (const [key, value] of new URLSearchParams(text)) {
        if (key.includes('\u0000') || value.includes('\u0000')) throw new AppError('validation_failed', `${key.replaceAll('\u0000', '')}: must not contain a NUL character`);
      }
    }
    await next();
  };
}

function checkUrl(url: string) {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const parts = [path, ...(q === -1 ? [] : url.slice(q + 1).split(/[&=]/))];
  for (const part of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part.replaceAll('+', ' '));
    } catch {
      throw new AppError('bad_request', 'the URL has malformed percent-encoding or is not UTF-8');
    }
    if (decoded.includes('\u0000')) throw new AppError('bad_request', 'the URL holds a NUL character');
  }
}

/** The first problem in a parsed body, named by its path, or null. Iterative: no recursion on hostile depth. */
function inspect(root: unknown, refuseNul: boolean): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: 'body', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (refuseNul && value.includes('\u0000')) return `${path}: must not contain a NUL character (\\u0000)`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxJsonDepth) return `${path}: nested deeper than ${maxJsonDepth} levels`;
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, path: `${path}.${i}`, depth: depth + 1 }));
    else
      for (const [k, v] of Object.entries(value)) {
        if (refuseNul && k.includes('\u0000')) return `${path}: a key holds a NUL character`;
        stack.push({ value: v, path: path === 'body' ? k : `${path}.${k}`, depth: depth + 1 });
      }
  }
  return null;
}
