import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { AppError, type ErrorCode } from '../platform/errors';
import { isDatabaseUnavailable } from '../platform/db/unavailable';
import type { AppEnv } from './context';

/** "field.path: problem; other: problem", so a caller knows which field to fix. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message.replace(/^Invalid input: /, '')}`)
    .join('; ');
}

export function errorBody(c: Context<AppEnv>, code: ErrorCode | string, message: string) {
  return { error: { code, message, requestId: c.get('requestId') ?? null } };
}

export function handleError(err: Error, c: Context<AppEnv>) {
  if (err instanceof AppError) return c.json(errorBody(c, err.code, err.message), err.status);
  if (err instanceof HTTPException) {
    const status = err.status;
    const code: ErrorCode =
      status === 400 && /json/i.test(err.message)
        ? 'invalid_json'
        : status === 400
          ? 'bad_request'
          : status === 401
            ? 'unauthorized'
            : status === 403
              ? 'forbidden'
              : status === 404
                ? 'not_found'
                : status === 413
                  ? 'payload_too_large'
                  : status === 415
                    ? 'unsupported_media_type'
                    : status >= 500
                      ? 'internal'
                      : 'bad_request';
    const message = status === 400 && code === 'invalid_json' ? 'the request body is not valid JSON' : err.message || code;
    return c.json(errorBody(c, code, message), status as 400);
  }
  if ((err as { name?: string }).name === 'ZodError') {
    return c.json(errorBody(c, 'validation_failed', describeZodError(err as unknown as ZodError)), 400);
  }
  const deps = c.get('deps');
  if (isDatabaseUnavailable(err)) {
    deps?.log.warn({ err, requestId: c.get('requestId'), path: c.req.routePath }, 'database unavailable');
    c.header('Retry-After', '5');
    return c.json(errorBody(c, 'unavailable', 'the service is briefly unavailable; try again shortly'), 503);
  }
  deps?.log.error({ err, requestId: c.get('requestId'), path: c.req.routePath }, 'unhandled error');
  return c.json(errorBody(c, 'internal', 'something went wrong on our side; it has been logged'), 500);
}
