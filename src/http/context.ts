import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Database, DatabaseHandle } from '../platform/db/client';
import type { Env } from '../platform/env';
import type { JobQueue } from '../platform/jobs/queue';
import type { OutboxRelay } from '../platform/jobs/outbox';
import type { Clock } from '../platform/clock';
import type { Logger } from '../platform/logger';
import type { Principal } from '../access/principal';
import type { ProviderSecrets } from '../access/provider-secrets';

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
  /** what inbound webhooks are verified with */
  secrets: ProviderSecrets;
  /** the console's files and the API reference's assets; absent at the edge, which answers 501 for them */
  files?: StaticFiles;
}

/** Files served as they are, from the package. */
export interface StaticFiles {
  /** a file of src/console by name (index.html, app.js, ...) */
  console(name: string): string;
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
