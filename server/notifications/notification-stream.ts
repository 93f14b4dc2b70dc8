// Live push of notifications over Server-Sent Events (GET /api/notifications/stream). Each instance keeps the
// streams of its own clients; the bus tells every instance which user got which notification, and the instance
// holding that user's streams reads the rows under that user's context and writes them out.
import type { Response } from 'express';
import type pg from 'pg';
import { withRequestTransaction } from '../db/transaction.js';
import type { Actor } from '../http/context.js';
import type { Locale } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import type { Announcement, BusMessage, NotificationBus } from './notification-bus.js';
import { findOwnNotifications, type NotificationView, toView } from './notifications.service.js';

/** Streams one user may hold open (tabs, windows); the oldest is closed beyond this. */
export const MAX_STREAMS_PER_USER = 10;

export class SseStream {
  private closed = false;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly actor: Actor,
    readonly locale: Locale,
    private readonly res: Response,
    /** when the access token that opened the stream expires: the stream ends then, the client reconnects */
    expiresAt: number | undefined,
    private readonly onClose: (s: SseStream) => void,
  ) {
    res.on('close', () => this.close());
    if (expiresAt) {
      // setTimeout takes at most ~24.8 days; tokens live minutes
      const ms = Math.max(0, Math.min(expiresAt - Date.now(), 2 ** 31 - 1));
      this.expiry = setTimeout(() => {
        this.send('expired', {});
        this.close();
      }, ms);
      this.expiry.unref();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  open(): void {
    this.res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and similar proxies would otherwise buffer the stream
      'X-Accel-Buffering': 'no',
    });
    this.res.flushHeaders();
    // how long EventSource waits before reconnecting after a drop
    this.res.write('retry: 5000\n\n');
  }

  send(event: string, data: unknown, id?: string): void {
    if (this.closed) return;
    const lines = [`event: ${event}`];
    if (id) lines.push(`id: ${id}`);
    lines.push(`data: ${JSON.stringify(data)}`);
    this.res.write(`${lines.join('\n')}\n\n`);
  }

  notification(view: NotificationView): void {
    this.send('notification', view, view.id);
  }

  heartbeat(): void {
    if (!this.closed) this.res.write(': ping\n\n');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.expiry);
    this.onClose(this);
    this.res.end();
  }
}

export class NotificationHub {
  private readonly byUser = new Map<string, Set<SseStream>>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    readonly bus: NotificationBus,
    private readonly logger: Logger,
    private readonly heartbeatSeconds: number,
  ) {}

  start(): void {
    this.bus.subscribe((m) => this.onMessage(m));
    if (this.heartbeatSeconds > 0) {
      this.heartbeat = setInterval(() => {
        for (const set of this.byUser.values()) for (const s of set) s.heartbeat();
        this.checkSessions().catch((err) => this.logger.warn({ err }, 'could not check the streams’ sessions'));
      }, this.heartbeatSeconds * 1000);
      this.heartbeat.unref();
    }
  }

  /** Streams open on this instance (for /metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  add(stream: SseStream): void {
    let set = this.byUser.get(stream.actor.userId);
    if (!set) {
      set = new Set();
      this.byUser.set(stream.actor.userId, set);
    }
    set.add(stream);
    if (set.size > MAX_STREAMS_PER_USER) set.values().next().value?.close();
  }

  remove(stream: SseStream): void {
    const set = this.byUser.get(stream.actor.userId);
    if (!set) return;
    set.delete(stream);
    if (set.size === 0) this.byUser.delete(stream.actor.userId);
  }

  /**
   * Closes, with a `revoked` event, the streams on this instance whose session ended (logout, password change).
   * Other instances find out at their next heartbeat (checkSessions).
   */
  endSessions(ended: (s: SseStream) => boolean): void {
    for (const set of [...this.byUser.values()]) {
      for (const s of [...set]) {
        if (ended(s)) {
          s.send('revoked', {});
          s.close();
        }
      }
    }
  }

  /** Asks the database which of the streams' sessions are still live and ends the others' streams. */
  async checkSessions(): Promise<void> {
    const ids = new Set<string>();
    for (const set of this.byUser.values()) for (const s of set) if (s.actor.sessionId) ids.add(s.actor.sessionId);
    if (ids.size === 0) return;
    const { rows } = await this.pool.query<{ live: string[] }>('SELECT app_live_sessions($1::uuid[]) AS live', [
      [...ids],
    ]);
    const live = new Set(rows[0]?.live ?? []);
    this.endSessions((s) => !s.actor.sessionId || !live.has(s.actor.sessionId));
  }

  private onMessage(m: BusMessage): void {
    if (m.kind === 'resync') {
      for (const set of this.byUser.values()) for (const s of set) s.send('resync', {});
      return;
    }
    const byUser = new Map<string, string[]>();
    for (const a of m.items as Announcement[]) {
      if (!this.byUser.has(a.userId)) continue;
      const list = byUser.get(a.userId) ?? [];
      list.push(a.id);
      byUser.set(a.userId, list);
    }
    for (const [userId, ids] of byUser) {
      this.deliver(userId, ids).catch((err) => this.logger.warn({ err, userId }, 'could not push notifications'));
    }
  }

  private async deliver(userId: string, ids: string[]): Promise<void> {
    const streams = this.byUser.get(userId);
    const first = streams?.values().next().value;
    if (!first) return;
    const rows = await withRequestTransaction(this.pool, first.actor, (tx) => findOwnNotifications(tx, userId, ids));
    for (const s of this.byUser.get(userId) ?? []) {
      for (const row of rows) s.notification(toView(row, s.locale));
    }
  }

  stop(): void {
    clearInterval(this.heartbeat);
    for (const set of [...this.byUser.values()]) for (const s of [...set]) s.close();
    this.byUser.clear();
  }
}
