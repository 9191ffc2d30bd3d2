import { EventEmitter } from 'node:events';
import { eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import type { Database } from './db/client';
import { conversations, messages, recordings, reminders, waitlistOffers } from './db/schema';
import type { Logger } from './logger';
import type { JobData } from './jobs/queue';

/**
 * Live updates for the console: "this conversation changed", ids only (never patient data),
 * so a console refetches what its user may see through the API.
 *
 * Where changes come from: a job finishing (triage and routing, a send, a voicemail, an SLA
 * breach, a snooze waking; see `conversationOfJob`) and a person's change through the API.
 * Events are published after the change is committed, from the worker or the request, never
 * from the webhook path: an inbound message shows once its triage job has routed it, which is
 * also when an assistant may see it.
 *
 * Two adapters, like the job queue: in-process (embedded mode, one process) and Redis pub/sub
 * (several HTTP processes and workers). Redis rather than polling Postgres: the workers
 * already hold a Redis connection, a publish costs one round trip after the job, and every
 * HTTP process gets the event at once, where a poll would cost each process a query a second
 * against the busiest table and still lag by the poll interval.
 */
export interface ConversationChange {
  conversationId: string;
  practiceId: string;
}

export interface EventBus {
  readonly kind: 'in-process' | 'redis';
  /** fire and forget: a lost event costs a console one refresh, never data */
  publish(change: ConversationChange): void;
  subscribe(listener: (change: ConversationChange) => void): () => void;
  /** listeners are told to stop (open event streams end) */
  onClose(listener: () => void): () => void;
  close(): Promise<void>;
}

abstract class BaseBus implements EventBus {
  abstract readonly kind: 'in-process' | 'redis';
  protected emitter = new EventEmitter();
  protected closed = false;
  constructor() {
    // one listener per open console; thousands are fine
    this.emitter.setMaxListeners(0);
  }
  abstract publish(change: ConversationChange): void;
  subscribe(listener: (change: ConversationChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
  onClose(listener: () => void): () => void {
    this.emitter.on('close', listener);
    return () => this.emitter.off('close', listener);
  }
  protected deliver(change: ConversationChange) {
    this.emitter.emit('change', change);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.emitter.emit('close');
    this.emitter.removeAllListeners();
  }
}

export class InProcessEventBus extends BaseBus {
  readonly kind = 'in-process' as const;
  publish(change: ConversationChange): void {
    if (this.closed) return;
    // after the caller's stack: a slow console never delays the job that published
    queueMicrotask(() => this.deliver(change));
  }
}

export class RedisEventBus extends BaseBus {
  readonly kind = 'redis' as const;
  private pub: Redis;
  private sub: Redis | null = null;
  private readonly channel: string;

  constructor(
    private redisUrl: string,
    prefix: string,
    private log?: Logger,
  ) {
    super();
    this.channel = `${prefix}:console-events`;
    this.pub = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.pub.on('error', (err) => this.log?.warn({ err }, 'event bus: redis error'));
  }

  publish(change: ConversationChange): void {
    if (this.closed) return;
    this.pub.publish(this.channel, JSON.stringify(change)).catch((err) => this.log?.warn({ err }, 'event bus: publish failed'));
  }

  /** the subscriber connection is made on first use: workers publish and never subscribe */
  override subscribe(listener: (change: ConversationChange) => void): () => void {
    if (!this.sub && !this.closed) {
      const sub = new Redis(this.redisUrl, { maxRetriesPerRequest: null });
      sub.on('error', (err) => this.log?.warn({ err }, 'event bus: redis subscriber error'));
      sub.on('message', (_channel: string, text: string) => {
        try {
          const c = JSON.parse(text) as ConversationChange;
          if (typeof c.conversationId === 'string' && typeof c.practiceId === 'string') this.deliver({ conversationId: c.conversationId, practiceId: c.practiceId });
        } catch {
          // not ours: ignore
        }
      });
      void sub.subscribe(this.channel).catch((err) => this.log?.warn({ err }, 'event bus: subscribe failed'));
      this.sub = sub;
    }
    return super.subscribe(listener);
  }

  override async close(): Promise<void> {
    await super.close();
    await Promise.all(
      [this.pub, this.sub].map((r) => (r && r.status !== 'end' && r.status !== 'wait' ? r.quit().catch(() => r.disconnect()) : r?.disconnect())),
    );
  }
}

/** Which conversation a finished job changed, from the ids in its payload. */
export async function conversationOfJob(db: Database, queue: string, data: JobData): Promise<ConversationChange | null> {
  const str = (k: string) => (typeof data[k] === 'string' ? (data[k] as string) : null);
  // one statement a job: a message carries its practice as well as its conversation
  const ofMessage = { conversationId: messages.conversationId, practiceId: messages.practiceId };
  let found: { conversationId: string; practiceId: string } | undefined;
  if (queue === 'triage' || queue === 'send') {
    const id = str('messageId');
    if (id) [found] = await db.select(ofMessage).from(messages).where(eq(messages.id, id));
  } else if (queue === 'voicemail') {
    const id = str('recordingId');
    if (id) [found] = await db.select(ofMessage).from(recordings).innerJoin(messages, eq(messages.id, recordings.messageId)).where(eq(recordings.id, id));
  } else if (queue === 'sla' || queue === 'timers') {
    const id = str('conversationId');
    if (id) [found] = await db.select({ conversationId: conversations.id, practiceId: conversations.practiceId }).from(conversations).where(eq(conversations.id, id));
  } else if (queue === 'reminder') {
    const id = str('reminderId');
    if (id) [found] = await db.select(ofMessage).from(reminders).innerJoin(messages, eq(messages.id, reminders.messageId)).where(eq(reminders.id, id));
  } else if (queue === 'waitlist') {
    const id = str('offerId');
    if (id) [found] = await db.select(ofMessage).from(waitlistOffers).innerJoin(messages, eq(messages.id, waitlistOffers.messageId)).where(eq(waitlistOffers.id, id));
  }
  return found ?? null;
}
