import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Database, DatabaseHandle } from '../platform/db/client';
import type { Env } from '../platform/env';
import type { JobQueue } from '../platform/jobs/queue';
import type { OutboxRelay } from '../platform/jobs/outbox';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Principal } from '../access/principal';
import type { BlobStore } from '../platform/blobs/blob-store';
import type { LoginThrottle } from '../access/login-throttle';

/** Everything a request may use, built once at start and handed to the app. */
export interface AppDeps {
  env: Env;
  database: DatabaseHandle;
  db: Database;
  queue: JobQueue;
  relay: OutboxRelay;
  clock: Clock;
  log: Logger;
  /** media bytes (files under DATA_DIR, or S3) */
  blobs: BlobStore;
  /** where the demo keeps its local Twilio token etc.; set in embedded mode */
  dataDir: string;
  /** failed sign-ins per address and per address+email (Redis, or memory in embedded mode) */
  loginThrottle: LoginThrottle;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
    principal: Principal | null;
  };
}

export type App = OpenAPIHono<AppEnv>;
