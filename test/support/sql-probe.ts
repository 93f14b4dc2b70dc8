// Sees the SQL the server sends: times every statement of the app pool's clients (node-pg's view: the round
// trip plus parsing the rows), on demand records the statements of one request so they can be replayed under
// EXPLAIN, and knows the PostgreSQL backends serving them, with their CPU (read from /proc: the database runs on
// this machine).
import { readFileSync } from 'node:fs';
import type pg from 'pg';

export interface RecordedStatement {
  text: string;
  values: unknown[];
  /** the prepared-statement name when the server used one (planned once per connection) */
  name?: string;
  ms: number;
}

export class SqlProbe {
  /** statements and their time since the last reset() */
  statements = 0;
  totalMs = 0;
  private recording: RecordedStatement[] | null = null;

  /** PostgreSQL backend process ids of the pool's connections (the database runs on this machine). */
  readonly backends = new Set<number>();

  private readonly adopted = new WeakSet<object>();
  /** per client seen: its backend, its CPU when first seen (subtracted), and its last reading once it ended */
  private readonly seen: { pid: number; baseline: number; final?: number }[] = [];

  /**
   * Instruments every client of the pool: those it opens from now on, and those it opened before (the server's
   * start-up work leaves one idle) when it next hands them out. The pool hands out the most recently released
   * client first, so one opened before attach() could otherwise serve a whole run of sequential requests unseen:
   * no statement recorded, no CPU counted.
   */
  attach(pool: pg.Pool): void {
    // 'connect' comes before 'acquire' for a new client
    pool.on('connect', (client) => this.adopt(client, true));
    pool.on('acquire', (client) => this.adopt(client, false));
  }

  /**
   * CPU in ms (user + system) of each backend seen, since the probe first saw it: a backend the pool opened
   * after attach() counts from its start (its connection set-up served the requests too), one opened before from
   * when it was first handed out, and one whose client ended counts up to its end (read just before the client
   * closed it). The difference of two calls is what the backends spent in between. Parallel workers are processes
   * of their own and not in these figures (bench:api says so when a plan launches any).
   */
  backendCpuMs(): Map<number, number> {
    const out = new Map<number, number>();
    for (const b of this.seen) {
      const ms = b.final ?? processCpuMs(b.pid);
      // a backend whose process is gone without its client ending (killed) is left out
      if (ms !== undefined) out.set(b.pid, (out.get(b.pid) ?? 0) + ms - b.baseline);
    }
    return out;
  }

  private adopt(client: pg.PoolClient, opened: boolean): void {
    if (this.adopted.has(client)) return;
    this.adopted.add(client);
    // the backend's pid arrives with the connection (BackendKeyData): no statement queued ahead of the caller's
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid) {
      this.backends.add(pid);
      const b: { pid: number; baseline: number; final?: number } = {
        pid,
        baseline: opened ? 0 : (processCpuMs(pid) ?? 0),
      };
      this.seen.push(b);
      // the pool ends idle clients on its own (idleTimeoutMillis): read the backend while it is still there
      const end = client.end.bind(client) as (...a: unknown[]) => unknown;
      (client as unknown as { end: (...a: unknown[]) => unknown }).end = (...a: unknown[]) => {
        b.final ??= processCpuMs(pid);
        return end(...a);
      };
    }
    this.wrap(client);
  }

  reset(): void {
    this.statements = 0;
    this.totalMs = 0;
  }

  record(): void {
    this.recording = [];
  }

  stopRecording(): RecordedStatement[] {
    const r = this.recording ?? [];
    this.recording = null;
    return r;
  }

  private wrap(client: pg.PoolClient | pg.Client): void {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const started = performance.now();
      const first = args[0] as string | { text?: string; values?: unknown[]; name?: string; submit?: unknown };
      if (typeof first === 'object' && first !== null && typeof first.submit === 'function') {
        // a transaction's first query sent with its opening, or its last with its closing (server/db/transaction.ts):
        // those statements and the query's, in one round trip
        const opened = first as typeof first & {
          opening?: { text: string; values: unknown[] }[];
          closing?: { text: string; values: unknown[] }[];
          callback?: (...a: unknown[]) => void;
        };
        // any other submittable (cursor, COPY stream) is not a statement we can time or replay
        if (!Array.isArray(opened.opening)) return original(...args);
        const cb = opened.callback;
        opened.callback = (...a: unknown[]) => {
          const ms = performance.now() - started;
          this.statements++;
          this.totalMs += ms;
          for (const o of opened.opening ?? []) this.recording?.push({ text: o.text, values: o.values, ms: 0 });
          this.recording?.push({ text: opened.text ?? '', values: opened.values ?? [], name: opened.name, ms });
          for (const c of opened.closing ?? []) this.recording?.push({ text: c.text, values: c.values, ms: 0 });
          cb?.(...a);
        };
        return original(...args);
      }
      const text = typeof first === 'string' ? first : (first?.text ?? '');
      const values = (typeof first === 'object' && first?.values) || (Array.isArray(args[1]) ? args[1] : []);
      const name = typeof first === 'object' ? first?.name : undefined;
      const done = () => {
        const ms = performance.now() - started;
        this.statements++;
        this.totalMs += ms;
        this.recording?.push({ text, values: values as unknown[], name, ms });
      };
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        const cb = last as (...a: unknown[]) => void;
        args[args.length - 1] = (...a: unknown[]) => {
          done();
          cb(...a);
        };
        return original(...args);
      }
      const result = original(...args) as Promise<unknown>;
      return result.then(
        (v) => {
          done();
          return v;
        },
        (e) => {
          done();
          throw e;
        },
      );
    };
  }
}

/** user + system CPU in ms of a local process, from /proc (Linux); undefined if it is gone or there is no /proc */
export function processCpuMs(pid: number): number | undefined {
  try {
    // fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}
