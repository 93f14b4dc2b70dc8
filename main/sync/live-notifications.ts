// Live notifications (FR-11): while the head office is reachable the client keeps its Server-Sent Events stream
// open, and each notification on it starts a pull at once, so the notification (and the order change behind it)
// reaches the screen in well under a second instead of at the next timed pull. The stream only wakes the pull:
// the mirrored notifications table stays the one source the screens read, online and offline alike.
import { createParser } from 'eventsource-parser';
import { backoffDelay } from './backoff.js';
import type { HeadOfficeClient } from './http-client.js';

export interface LiveNotificationsOptions {
  http: HeadOfficeClient;
  /** a notification arrived (or the stream asks the client to re-list): pull now */
  onNotification: () => void;
  /** the stream is open (true) or lost (false) */
  onConnected?: (connected: boolean) => void;
  /** reconnect delays after the stream is lost or refused (default 1 s doubling to 60 s, with jitter) */
  backoff?: { baseMs: number; maxMs: number };
}

const STREAM_PATH = '/api/notifications/stream';

export class LiveNotifications {
  private abort: AbortController | null = null;
  private running: Promise<void> | null = null;
  private started = false;

  constructor(private readonly o: LiveNotificationsOptions) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.abort?.abort();
    await this.running;
    this.running = null;
  }

  private async loop(): Promise<void> {
    const backoff = this.o.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    let failures = 0;
    while (this.started) {
      const abort = new AbortController();
      this.abort = abort;
      try {
        const res = await this.o.http.openStream(STREAM_PATH, abort.signal);
        failures = 0;
        this.o.onConnected?.(true);
        await this.read(res, abort.signal);
      } catch {
        // the link is down, the session is gone or the server went away: wait, then try again
      }
      this.o.onConnected?.(false);
      if (!this.started) break;
      failures++;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoffDelay(failures, backoff));
        t.unref?.();
        abort.signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private async read(res: Response, signal: AbortSignal): Promise<void> {
    const parser = createParser({
      onEvent: (e) => {
        // 'ready' too: notifications made while the stream was down are pulled on reconnecting
        if (e.event === 'notification' || e.event === 'resync' || e.event === 'ready') this.o.onNotification();
      },
    });
    const decoder = new TextDecoder();
    const reader = res.body!.getReader();
    signal.addEventListener('abort', () => void reader.cancel().catch(() => {}));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  }
}
