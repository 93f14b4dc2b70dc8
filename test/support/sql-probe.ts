// Sees the SQL the server sends: times every statement of the app pool's clients (node-pg's view: the round
// trip plus parsing the rows) and, on demand, records the statements of one request so they can be replayed
// under EXPLAIN.
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

  /** Instruments every client the pool opens from now on (the server's pool opens them lazily). */
  attach(pool: pg.Pool): void {
    pool.on('connect', (client) => {
      // the backend's pid arrives with the connection (BackendKeyData): no statement queued ahead of the caller's
      const pid = (client as unknown as { processID?: number }).processID;
      if (pid) this.backends.add(pid);
      this.wrap(client);
    });
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
