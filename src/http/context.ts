import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Database, DatabaseHandle } from '../platform/db/client';
import type { Env } from '../platform/env';
import type { JobQueue } from '../platform/jobs/queue';
import type { OutboxRelay } from '../platform/jobs/outbox';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Principal } from '../access/principal';
import { AppError } from '../platform/errors';
import type { BlobStore } from '../platform/blobs/blob-store';
import type { LoginThrottle } from '../access/login-throttle';
import type { ProviderSecrets } from '../access/provider-secrets';
import type { VoiceCaller } from '../../channels/voice/caller';
import type { EventBus } from '../platform/events';

/**
 * Everything a request may use, handed to the app by its entry point: built once at start on
 * Node (app/runtime.ts, which adds the concrete database, queue and relay), or per request at
 * the edge (src/edge.ts: a database client through Hyperdrive, no job queue, no file system).
 */
export interface AppDeps {
  env: Env;
  db: Database;
  /** the database's readiness, for /readyz */
  database: Pick<DatabaseHandle, 'ping'>;
  /** the job queue's readiness, for /readyz; absent at the edge, whose HTTP layer never talks to Redis */
  queue?: Pick<JobQueue, 'ping'>;
  /** asks for an outbox relay tick after a commit that wrote outbox rows; a no-op where no relay runs in this process */
  relay: Pick<OutboxRelay, 'nudge'>;
  clock: Clock;
  log: Logger;
  /** media bytes (files under DATA_DIR, or S3); absent at the edge, which answers 501 for media */
  blobs?: BlobStore;
  /** failed sign-ins per address and per address+email (Redis, or memory in embedded mode) */
  loginThrottle: LoginThrottle;
  /** places calls (Twilio, or simulated); absent at the edge, which answers 501 for calls */
  voiceCaller?: VoiceCaller;
  /** live updates for the console (server-sent events); absent at the edge */
  events?: EventBus;
  /** what inbound webhooks are verified with */
  secrets: ProviderSecrets;
  /** the console's files and the API reference's assets; absent at the edge, which answers 501 for them */
  files?: StaticFiles;
}

/** Files served as they are, from the package. */
export interface StaticFiles {
  /** a page of src/console by name (index.html, login.html) */
  console(name: string): string;
  /** a bundle of dist/console by name (app.js, app.css...), null when the console is not built */
  consoleBundle(name: string): string | null;
  /** a file of the swagger-ui-dist package by name */
  docsAsset(name: string): Uint8Array;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
    principal: Principal | null;
  };
}

export type App = OpenAPIHono<AppEnv>;

/** The blob store, where this deployment has one (Node); the edge answers 501 for media routes. */
export function requireBlobs(deps: AppDeps): BlobStore {
  if (!deps.blobs) throw new AppError('not_implemented', 'media are served by the Node deployment, not at the edge');
  return deps.blobs;
}

/** The call placer, where this deployment has one (Node). */
export function requireVoiceCaller(deps: AppDeps): VoiceCaller {
  if (!deps.voiceCaller) throw new AppError('not_implemented', 'calls are placed by the Node deployment, not at the edge');
  return deps.voiceCaller;
}
