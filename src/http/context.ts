import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Database, DatabaseHandle } from '../platform/db/client';
import type { Env } from '../platform/env';
import type { JobQueue } from '../platform/jobs/queue';
import type { OutboxRelay } from '../platform/jobs/outbox';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Principal } from '../access/principal';
import type { EventBus } from '../platform/events';

/** Everything a request may use, built once at start and handed to the app. */
export interface AppDeps {
  env: Env;
  database: DatabaseHandle;
  db: Database;
  queue: JobQueue;
  relay: OutboxRelay;
  clock: Clock;
  log: Logger;
  /** where the demo keeps its local Twilio token etc.; set in embedded mode */
  dataDir: string;
  /** live updates for the console (server-sent events) */
  events: EventBus;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
    principal: Principal | null;
  };
}

export type App = OpenAPIHono<AppEnv>;
