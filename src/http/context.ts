import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Database, DatabaseHandle } from '../db/client';
import type { Env } from '../env';
import type { JobQueue } from '../jobs/queue';
import type { OutboxRelay } from '../jobs/outbox';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { Principal } from '../auth/principal';

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
}

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: AppDeps;
    principal: Principal | null;
  };
}

export type App = OpenAPIHono<AppEnv>;
