import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const FLUSH_BYTES = 256 * 1024;

/**
 * One table's COPY stream on its own connection and transaction. All tables load concurrently so the server
 * ingests on one core while this process generates on the other; the loader commits every sink only once all of
 * them finished, so a failed load leaves nothing behind.
 */
export class CopySink {
  rows = 0;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private stream: ReturnType<typeof copyFrom> | null = null;
  private client: pg.Client;
  private failure: Error | null = null;
  private drained: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private done: Promise<void> | null = null;

  constructor(
    url: string,
    readonly table: string,
    readonly columns: readonly string[],
  ) {
    this.client = new pg.Client({ connectionString: url });
  }

  /** Opens the connection and the transaction and starts COPY. `setup` runs first, inside the transaction. */
  async open(setup: readonly string[]): Promise<void> {
    await this.client.connect();
    await this.client.query('BEGIN');
    for (const sql of setup) await this.client.query(sql);
    const stream = this.client.query(copyFrom(`COPY ${this.table} (${this.columns.join(', ')}) FROM STDIN`));
    stream.on('error', (e: Error) => {
      this.failure ??= new Error(`COPY ${this.table}: ${e.message}`, { cause: e });
      this.wake?.(); // a producer waiting for 'drain' would otherwise wait forever
    });
    this.done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    this.done.catch(() => {});
    this.stream = stream;
  }

  /** Adds one row (fields already encoded for COPY text format). */
  row(fields: string): void {
    this.buffer.push(fields);
    this.bufferedChars += fields.length;
    this.rows++;
    if (this.bufferedChars >= FLUSH_BYTES) this.flush();
  }

  /** A promise to await before producing more rows when the server falls behind, else null. */
  backpressure(): Promise<void> | null {
    if (this.failure) throw this.failure;
    return (
      this.drained?.then(() => {
        if (this.failure) throw this.failure;
      }) ?? null
    );
  }

  private flush(): void {
    if (!this.buffer.length || !this.stream) return;
    const chunk = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    this.bufferedChars = 0;
    if (!this.stream.write(chunk) && !this.drained) {
      this.drained = new Promise<void>((resolve) => {
        this.wake = () => {
          this.drained = null;
          this.wake = null;
          resolve();
        };
        this.stream!.once('drain', () => this.wake?.());
      });
    }
  }

  /** Sends the rest and waits until the server has stored every row (not yet committed). */
  async finish(): Promise<void> {
    this.flush();
    this.stream!.end();
    await this.done?.catch(() => {}); // the 'error' listener has recorded it, with the table's name
    if (this.failure) throw this.failure;
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
    await this.client.end();
  }

  async abort(): Promise<void> {
    try {
      this.stream?.destroy();
      await this.client.query('ROLLBACK');
    } catch {
      // the connection may already be broken; ending it rolls back too
    }
    await this.client.end().catch(() => {});
  }
}
