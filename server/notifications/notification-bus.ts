// Fan-out of new notifications to every server instance, so a user's SSE stream on instance B hears what a
// request on instance A created. Two carriers with one interface:
//   * PostgreSQL LISTEN/NOTIFY (default): pg_notify runs inside the writing transaction, and PostgreSQL itself
//     delivers it at COMMIT and drops it on ROLLBACK — no event for data that does not exist.
//   * Redis pub/sub (REDIS_URL set): published after COMMIT (db/after-commit.ts), for deployments that already
//     run Redis and would rather keep NOTIFY's commit-time queue lock off their busiest transactions.
// Only {id, userId} travels; the instance holding that user's stream reads the row itself, under the user's own
// row-level-security context. A carrier that lost its connection tells the streams to "resync" (re-list) on return.
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterCommit } from '../db/after-commit.js';
import type { Tx } from '../db/transaction.js';
import type { Logger } from '../logger.js';

export interface Announcement {
  id: string;
  userId: string;
}

export type BusMessage = { kind: 'created'; items: Announcement[] } | { kind: 'resync' };
type Handler = (message: BusMessage) => void;

export interface NotificationBus {
  readonly carrier: 'postgres' | 'redis';
  /** Called in the writing transaction; every instance hears it once the transaction commits. */
  announce(tx: Tx, items: Announcement[]): Promise<void>;
  subscribe(handler: Handler): void;
  /** the carrier's connection is up */
  connected(): boolean;
  stop(): Promise<void>;
}

export const PG_CHANNEL = 'dispatch_notifications';
// NOTIFY payloads must stay under 8000 bytes; an announcement is ~90 bytes of JSON.
const PER_NOTIFY = 60;

function parseItems(text: string): Announcement[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is Announcement => typeof v?.id === 'string' && typeof v?.userId === 'string');
}

async function pgNotify(tx: Tx, items: Announcement[]): Promise<void> {
  for (let i = 0; i < items.length; i += PER_NOTIFY) {
    await tx.query('SELECT pg_notify($1, $2)', [PG_CHANNEL, JSON.stringify(items.slice(i, i + PER_NOTIFY))]);
  }
}

export class PostgresBus implements NotificationBus {
  readonly carrier = 'postgres';
  private client: pg.Client | undefined;
  private readonly handlers: Handler[] = [];
  private stopped = false;
  private retryMs = 500;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly appUrl: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Opens the LISTEN connection (a dedicated one: a pooled client would lose the LISTEN when released). While
   * the database is unreachable it keeps trying in the background; /api/health shows the bus down meanwhile.
   */
  async start(): Promise<void> {
    try {
      await this.connect(false);
    } catch (err) {
      this.logger.warn({ err }, 'notification listener cannot connect yet');
      this.timer = setTimeout(() => this.reconnect(), this.retryMs);
    }
  }

  private async connect(isReconnect: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.appUrl, application_name: 'dispatch-notify-listen' });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (this.stopped) return;
      this.logger.warn({ err }, 'notification listener lost its connection; reconnecting');
      this.timer = setTimeout(() => this.reconnect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => {
      if (msg.channel !== PG_CHANNEL || !msg.payload) return;
      try {
        this.emit({ kind: 'created', items: parseItems(msg.payload) });
      } catch (err) {
        this.logger.warn({ err }, 'unreadable notification announcement');
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${PG_CHANNEL}`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    this.client = client;
    this.retryMs = 500;
    if (isReconnect) this.emit({ kind: 'resync' });
  }

  private reconnect(): void {
    this.connect(true).catch((err) => {
      this.logger.warn({ err }, 'notification listener could not reconnect');
      if (!this.stopped) this.timer = setTimeout(() => this.reconnect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    });
  }

  private emit(message: BusMessage): void {
    for (const h of this.handlers) h(message);
  }

  announce(tx: Tx, items: Announcement[]): Promise<void> {
    return pgNotify(tx, items);
  }

  subscribe(handler: Handler): void {
    this.handlers.push(handler);
  }

  connected(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}

export class RedisBus implements NotificationBus {
  readonly carrier = 'redis';
  private readonly subscriber: Redis;
  private readonly handlers: Handler[] = [];
  private ready = false;
  private everReady = false;

  /**
   * @param publisher the server's shared Redis connection
   * @param channel per database, so deployments (or test databases) sharing one Redis do not hear each other
   */
  constructor(
    private readonly publisher: Redis,
    readonly channel: string,
    private readonly logger: Logger,
  ) {
    // a subscribed connection can do nothing else, so it is a connection of its own
    this.subscriber = publisher.duplicate();
    this.subscriber.on('error', (err) => logger.warn({ err }, 'notification subscriber error'));
    this.subscriber.on('ready', () => {
      // (again) after a reconnect: subscribing twice is harmless, and covers a first subscribe that failed
      this.subscriber.subscribe(this.channel).then(
        () => {
          this.ready = true;
          // what was published while it was away is lost, so the streams re-list
          if (this.everReady) this.emit({ kind: 'resync' });
          this.everReady = true;
        },
        (err) => logger.warn({ err }, 'notification subscriber cannot subscribe'),
      );
    });
    this.subscriber.on('close', () => {
      this.ready = false;
    });
    this.subscriber.on('message', (ch: string, text: string) => {
      if (ch !== this.channel) return;
      try {
        this.emit({ kind: 'created', items: parseItems(text) });
      } catch (err) {
        logger.warn({ err }, 'unreadable notification announcement');
      }
    });
  }

  /** Subscribes now if Redis answers; otherwise on the connection's 'ready' (never throws). */
  async start(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
      this.ready = true;
      this.everReady = true;
    } catch (err) {
      this.logger.warn({ err }, 'notification subscriber cannot subscribe yet');
    }
  }

  private emit(message: BusMessage): void {
    for (const h of this.handlers) h(message);
  }

  async announce(tx: Tx, items: Announcement[]): Promise<void> {
    afterCommit(tx, async () => {
      try {
        await this.publisher.publish(this.channel, JSON.stringify(items));
      } catch (err) {
        // the rows are committed: the user sees them on the next list and, if unread, by e-mail
        this.logger.warn({ err, count: items.length }, 'could not publish notifications');
      }
    });
  }

  subscribe(handler: Handler): void {
    this.handlers.push(handler);
  }

  connected(): boolean {
    return this.ready;
  }

  async stop(): Promise<void> {
    this.subscriber.disconnect();
  }
}

// The bus of the server whose pool lent a transaction its connection. notify(tx, …) is called deep inside
// services that only hold the transaction; the pool's 'acquire' event ties each connection to its server's bus
// (several servers in one process — tests — each keep their own).
const busOfConnection = new WeakMap<object, NotificationBus>();

export function attachBus(pool: pg.Pool, bus: NotificationBus): void {
  pool.on('acquire', (client) => busOfConnection.set(client, bus));
}

/**
 * Announces new notifications on the bus of the transaction's server. Without one (a maintenance script's own
 * pool) it falls back to pg_notify, which any listening instance on this database still hears.
 */
export async function announce(tx: Tx, items: Announcement[]): Promise<void> {
  if (items.length === 0) return;
  const bus = busOfConnection.get(tx);
  if (bus) await bus.announce(tx, items);
  else await pgNotify(tx, items);
}
