// A small Server-Sent Events reader over fetch, for tests of GET /api/notifications/stream (Node 20 has no
// EventSource). It keeps every event it has read; next() waits for the next one of a given type.

export interface SseEvent {
  event: string;
  id?: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read event data loosely
  data: any;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  /** the body when the server answered with something other than a stream (an error) */
  errorBody?: unknown;
  events: SseEvent[];
  /** comment lines received (": ping" heartbeats) */
  comments(): string[];
  /** resolves with the next event named `event` not yet taken; rejects after `timeoutMs` */
  next(event: string, timeoutMs?: number): Promise<SseEvent>;
  /** true once the server ended the stream */
  ended(): boolean;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const taken = new Set<SseEvent>();
  const waiters: (() => void)[] = [];
  let done = false;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };

  const conn: SseConnection = {
    status: res.status,
    headers: res.headers,
    events,
    async next(event, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => e.event === event && !taken.has(e));
        if (found) {
          taken.add(found);
          return found;
        }
        if (done) throw new Error(`stream ended without a '${event}' event; got ${JSON.stringify(events)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no '${event}' event within ${timeoutMs} ms; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    ended: () => done,
    comments: () => comments,
    close() {
      ac.abort();
    },
  };

  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const text = await res.text();
    try {
      conn.errorBody = JSON.parse(text);
    } catch {
      conn.errorBody = text;
    }
    done = true;
    return conn;
  }

  (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buffer += value;
        let cut = buffer.indexOf('\n\n');
        while (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const e: SseEvent = { event: 'message', data: undefined };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              comments.push(line);
              continue;
            }
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'event') e.event = val;
            else if (field === 'id') e.id = val;
            else if (field === 'data') data.push(val);
          }
          if (data.length) {
            const text = data.join('\n');
            try {
              e.data = JSON.parse(text);
            } catch {
              e.data = text;
            }
            events.push(e);
            wake();
          }
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      wake();
    }
  })();
  return conn;
}
