import pg from 'pg';
import type { Role } from '../../domain/roles.js';
import { runAfterCommit, takeAfterCommit } from './after-commit.js';
import { connectionLost, toAppError } from './errors.js';

/** An open transaction: repositories take one of these. */
export type Tx = pg.PoolClient;

/** Who is calling: what row-level security reads from app.user_id / app.role / app.branch_id / app.partner_id. */
export interface RequestContext {
  userId: string;
  role: Role;
  branchId: string | null;
  partnerId: string | null;
  /** when the caller's access token was issued (seconds): a token older than a password reset is refused */
  issuedAt?: number;
  /** the session (refresh-token family) the access token belongs to: a request of an ended session is refused */
  sessionId?: string;
}

/**
 * Told after a transaction of its pool has committed, with the cache scopes the transaction's writes touched
 * (the triggers of migration 0021 collect them in app.cache_touched). The cache bumps their generations here:
 * after COMMIT, never before, so no reader can load pre-commit data under the new generation (server/cache).
 * It must not throw: the transaction is committed whatever it does.
 */
export type CommitListener = (touchedScopes: string[]) => Promise<void>;

const commitListeners = new WeakMap<pg.Pool, CommitListener>();

/** The server's key to the database (DB_SERVER_KEY, migration 0074) per pool: the SYSTEM context needs it. */
const serverKeys = new WeakMap<pg.Pool, string>();

export function setServerKey(pool: pg.Pool, key: string): void {
  serverKeys.set(pool, key);
}

export function setCommitListener(pool: pg.Pool, listener: CommitListener | undefined): void {
  if (listener) commitListeners.set(pool, listener);
  else commitListeners.delete(pool);
}

/** A statement of a transaction's opening: BEGIN, then the caller's context (parameters, never literals). */
interface Opening {
  text: string;
  values: (string | null)[];
}

const LAST = Symbol('the transaction ends with this query');

/**
 * Marks a query as its transaction's last: the commit (with the read of the cache scopes written, when the pool has
 * a commit listener) travels in the same pipeline as the query instead of a round trip of its own after the work.
 * The query's answer is then the commit's too: it fails if the commit fails, and the transaction takes no query
 * after it (one is refused with an error). For a read route whose service knows its last statement (FR-03's list);
 * a work that ends otherwise commits as before.
 */
export function lastQuery<T extends pg.QueryConfig>(config: T): T {
  return Object.assign({ ...config }, { [LAST]: true });
}

function isLast(config: unknown): boolean {
  return typeof config === 'object' && config !== null && (config as Record<symbol, unknown>)[LAST] === true;
}

type QueryCtor = new (
  config: pg.QueryConfig,
  values: undefined,
  callback: (err: Error | null, result: pg.QueryResult) => void,
) => pg.Query & {
  prepare(connection: unknown): void;
  _getRows(connection: unknown, rows: number | undefined): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
  handleError(err: Error, connection: unknown): void;
};

interface WireConnection {
  parse(m: { text: string; name: string; types: unknown[] }): void;
  bind(m: { portal: string; statement: string; values: (string | null)[] }): void;
  execute(m: { portal: string; rows?: number }): void;
  sync(): void;
}

/** What the transaction's pipelined statements told: the opening's error, the closing's outcome. */
interface PipelineState {
  openingError?: Error;
  closingError?: Error;
  /** the last query was sent with the commit */
  lastSent?: boolean;
  /** its COMMIT succeeded */
  committed?: boolean;
  /** app.cache_touched as read just before that COMMIT */
  touched?: string | null;
}

/**
 * A query sent in one pipeline of the extended protocol with statements before it (its transaction's opening:
 * BEGIN, the context) and after it (its transaction's closing: the cache scopes' read and COMMIT): Parse/Bind/
 * Execute of each, the query's own messages between, one Sync. One round trip instead of two or three: every round
 * trip's socket write and read were among the largest costs in the profiles of FR-03 and of the idle pull
 * (docs/performance.md, rounds 4 and 5). The other statements' results are not the query's; an error of the
 * opening (a revoked session: DS401) or of the closing (the COMMIT) is, and PostgreSQL skips the rest up to the
 * Sync, so a failed query is never followed by its COMMIT.
 */
class PipelinedQuery extends (pg.Query as unknown as QueryCtor) {
  private openingLeft: number;
  private mainDone = false;
  private closingSeen = 0;
  constructor(
    config: pg.QueryConfig,
    /** public: test/support/sql-probe.ts records these statements too */
    readonly opening: Opening[],
    readonly closing: Opening[],
    private readonly state: PipelineState,
    callback: (err: Error | null, result: pg.QueryResult) => void,
  ) {
    super(config, undefined, callback);
    this.openingLeft = opening.length;
  }
  override prepare(connection: unknown): void {
    const con = connection as WireConnection;
    for (const o of this.opening) this.send(con, o);
    super.prepare(connection);
  }
  /** unnamed: each Parse replaces the last; no Describe, so no row description of theirs comes back */
  private send(con: WireConnection, o: Opening): void {
    con.parse({ text: o.text, name: '', types: [] });
    con.bind({ portal: '', statement: '', values: o.values });
    con.execute({ portal: '' });
  }
  override _getRows(connection: unknown, rows: number | undefined): void {
    if (this.closing.length === 0 || rows) {
      super._getRows(connection, rows);
      return;
    }
    const con = connection as WireConnection;
    con.execute({ portal: (this as unknown as { portal: string }).portal });
    for (const c of this.closing) this.send(con, c);
    con.sync();
  }
  override handleDataRow(msg: unknown): void {
    if (this.openingLeft > 0) return;
    if (!this.mainDone) super.handleDataRow(msg);
    // the closing's one row: app.cache_touched, as text (no row description was asked for)
    else this.state.touched = (msg as { fields: (string | null)[] }).fields[0] ?? null;
  }
  override handleCommandComplete(msg: unknown, connection: unknown): void {
    if (this.openingLeft > 0) this.openingLeft--;
    else if (!this.mainDone) {
      this.mainDone = true;
      super.handleCommandComplete(msg, connection);
    } else if (++this.closingSeen === this.closing.length) this.state.committed = true;
  }
  override handleError(err: Error, connection: unknown): void {
    if (this.openingLeft > 0) this.state.openingError ??= err;
    else if (this.mainDone) this.state.closingError ??= err;
    super.handleError(err, connection);
  }
}

type QueryFn = (...args: unknown[]) => unknown;

/** The transaction's hold on `client.query`: the opening goes with the first query, the closing with the last. */
interface Pipeline {
  /** puts client.query back; idempotent */
  restore(): void;
  /** whether the opening has been sent */
  readonly sent: boolean;
  /** sends the opening by itself */
  sendAlone(): Promise<void>;
}

/**
 * While the transaction runs, `client.query` is replaced (on the instance) by one that sends the opening with the
 * first query, and the closing with a query marked by lastQuery(). A first query that cannot go so (a text without
 * parameters, which may hold several statements; a submittable; a callback) is queued right behind the opening
 * sent alone: node-pg sends a client's queries one after the other in the order asked. After the last query, the
 * transaction is over: a further query is refused.
 */
function pipeline(client: pg.PoolClient, opening: Opening[], closing: Opening[], state: PipelineState): Pipeline {
  const own = client as unknown as { query: QueryFn };
  const original = own.query;
  let sent = false;
  const restore = () => {
    delete (own as { query?: QueryFn }).query;
    if (own.query !== original) own.query = original;
  };
  const submit = (cfg: pg.QueryConfig, before: Opening[], after: Opening[], mainIsOpening: boolean) =>
    new Promise<pg.QueryResult>((resolve, reject) => {
      sent = true;
      if (after.length > 0) state.lastSent = true;
      const q = new PipelinedQuery(
        // the extended protocol whatever the query: the other statements' messages go with its Parse/Bind/Execute
        { ...cfg, queryMode: 'extended' } as pg.QueryConfig,
        before,
        after,
        state,
        (err, result) => {
          if (err) {
            if (mainIsOpening) state.openingError ??= err;
            reject(err);
          } else resolve(result);
        },
      );
      original.call(client, q);
    });
  const sendAlone = async () => {
    const last = opening[opening.length - 1]!;
    await submit({ text: last.text, values: last.values }, opening.slice(0, -1), [], true);
  };
  own.query = (...args: unknown[]) => {
    if (state.lastSent) {
      return Promise.reject(
        new Error('a query after its transaction’s last query (lastQuery): it would run outside it'),
      );
    }
    const [config, values] = args;
    const last = args.length === 1 && isLast(config);
    let cfg: pg.QueryConfig | undefined;
    if (args.length === 2 && typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      cfg = { text: config, values };
    } else if (
      args.length === 1 &&
      config !== null &&
      typeof config === 'object' &&
      typeof (config as { submit?: unknown }).submit !== 'function' &&
      typeof (config as pg.QueryConfig).text === 'string' &&
      (last || Boolean((config as pg.QueryConfig).name) || ((config as pg.QueryConfig).values?.length ?? 0) > 0)
    ) {
      cfg = config as pg.QueryConfig;
    }
    if (!sent) {
      if (cfg) return submit(cfg, opening, last ? closing : [], false);
      sendAlone().catch(() => {});
      return original.apply(client, args);
    }
    if (cfg && last) return submit(cfg, [], closing, false);
    return original.apply(client, args);
  };
  return {
    restore,
    get sent() {
      return sent;
    },
    sendAlone,
  };
}

async function inTransaction<T>(
  pool: pg.Pool,
  context: Opening | null,
  fn: (tx: Tx) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  const listener = commitListeners.get(pool);
  let broken: Error | undefined;
  // pg-pool stops listening for a connection's 'error' while it is lent out; a backend terminated under a busy
  // transaction (failover, restart, pg_terminate_backend) emits one between or after its queries, and an event
  // 'error' nobody listens to kills the process. The statement in flight fails by itself; this keeps the error
  // for the answer (503) and drops the connection instead of returning it to the pool.
  let lost = false;
  const onLost = (err: Error) => {
    lost = true;
    broken ??= err;
  };
  client.on('error', onLost);
  let result: T;
  let touched: string[] = [];
  let afterCommitWork: ReturnType<typeof takeAfterCommit> = [];
  const state: PipelineState = {};
  // read inside the transaction (the setting is transaction-local and gone after COMMIT), just before it
  const touchedRead = `SELECT current_setting('app.cache_touched', true) AS t`;
  const closing: Opening[] = [...(listener ? [{ text: touchedRead, values: [] }] : []), { text: 'COMMIT', values: [] }];
  const pipe = pipeline(client, [{ text: begin, values: [] }, ...(context ? [context] : [])], closing, state);
  try {
    result = await fn(client);
    // a transaction that made no query checks the caller's session all the same
    if (!pipe.sent) await pipe.sendAlone();
    // the work may have caught the opening's error as its own query's, or the commit's as its last query's
    if (state.openingError) throw state.openingError;
    if (state.closingError) throw state.closingError;
    pipe.restore();
    if (state.lastSent) {
      if (!state.committed) throw new Error('the work returned before its last query (lastQuery) was answered');
      touched = state.touched ? state.touched.split(',') : [];
    } else if (listener) {
      // in the message that commits: should the SELECT fail, the COMMIT in the same message is skipped and the
      // catch below rolls back
      const r = (await client.query(`${touchedRead}; COMMIT`)) as unknown as pg.QueryResult<{ t: string | null }>[];
      const t = r[0]?.rows[0]?.t;
      touched = t ? t.split(',') : [];
    } else {
      await client.query('COMMIT');
    }
    afterCommitWork = takeAfterCommit(client);
  } catch (err) {
    pipe.restore();
    takeAfterCommit(client);
    // the work failed before its first query (bad input): the session is checked all the same, as when the context
    // went first — an ended session's request is a 401 whatever else is wrong with it
    if (!lost && !pipe.sent) await pipe.sendAlone().catch(() => {});
    // a committed transaction (the work failed after its last query) has nothing to roll back; after a failed
    // COMMIT there is no transaction either, and ROLLBACK only warns
    if (!lost && pipe.sent && !state.committed) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
    }
    if (state.committed) {
      // what it wrote is committed all the same: the cache hears of it, as after any commit
      const scopes = state.touched ? state.touched.split(',') : [];
      if (listener && scopes.length > 0) await listener(scopes);
    }
    // whatever the work made of it, a transaction whose connection broke failed for that reason (503, retry
    // later), and one whose opening failed (a revoked session) for that one
    throw lost ? connectionLost(err) : toAppError(state.openingError ?? err);
  } finally {
    client.off('error', onLost);
    // A client whose connection broke or whose ROLLBACK failed is in an unknown state: drop it instead of
    // returning it to the pool.
    client.release(broken);
  }
  if (listener && touched.length > 0) await listener(touched);
  await runAfterCommit(afterCommitWork);
  return result;
}

/**
 * Runs fn in one transaction whose first statement sets the caller's context (transaction-local), so every
 * statement of fn is filtered by row-level security and every trigger records the actor. Commits on success,
 * rolls back on any error; database errors come out as AppErrors (409 duplicate, 423 locked week, …).
 */
export function withRequestTransaction<T>(
  pool: pg.Pool,
  ctx: RequestContext,
  fn: (tx: Tx) => Promise<T>,
  opts: { repeatableRead?: boolean } = {},
): Promise<T> {
  return inTransaction(
    pool,
    // sets the context and checks, in the round trip of BEGIN and the first query, that the session is live and the
    // user still active in that role, branch and partner (migrations 0046, 0071); a stale token fails with DS401 →
    // 401 SESSION_REVOKED. Repeatable read: every statement of fn sees the one snapshot (a count, then the rows).
    {
      text: 'SELECT app_enter_request($1, $2, $3, $4, $5::bigint, $6::uuid)',
      values: [
        ctx.userId,
        ctx.role,
        ctx.branchId ?? '',
        ctx.partnerId ?? '',
        Number.isFinite(ctx.issuedAt) ? String(Math.floor(ctx.issuedAt!)) : null,
        ctx.sessionId ?? null,
      ],
    },
    fn,
    opts.repeatableRead ? 'BEGIN ISOLATION LEVEL REPEATABLE READ' : 'BEGIN',
  );
}

/** A transaction without a caller (login, token refresh): row-level security shows it nothing. */
export function withAnonymousTransaction<T>(pool: pg.Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inTransaction(pool, null, fn);
}

/**
 * A transaction of a background job acting for no user (the e-mail fallback, the export-file sweep): app.role is
 * 'SYSTEM', which the policies of migration 0025 let reach notifications and exports only — never orders. The
 * database seals it (0072) only for the server's key (0074), which the pool was given with setServerKey.
 */
export function withSystemTransaction<T>(pool: pg.Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const key = serverKeys.get(pool);
  if (key === undefined) throw new Error('this pool has no server key (setServerKey): no SYSTEM context for it');
  return inTransaction(pool, { text: 'SELECT app_enter_system($1)', values: [key] }, fn);
}

/** The transaction-local settings the triggers read besides the caller's context. */
export interface TriggerNotes {
  /** order_status_history.reason_code */
  reasonCode?: string | null;
  /** order_status_history.notes */
  statusNote?: string | null;
  /** appointments.reason */
  changeReason?: string | null;
  /** audit_logs.note, e.g. why a capacity was overridden */
  auditNote?: string | null;
}

const NOTE_SETTINGS: Record<keyof TriggerNotes, string> = {
  reasonCode: 'app.reason_code',
  statusNote: 'app.status_note',
  changeReason: 'app.change_reason',
  auditNote: 'app.audit_note',
};

/**
 * Sets the trigger notes for the statements of fn, then clears them, so a later write in the same transaction
 * (e.g. the next op of a sync push) does not inherit a reason it was not given.
 */
export async function withTriggerNotes<T>(tx: Tx, notes: TriggerNotes, fn: () => Promise<T>): Promise<T> {
  const keys = Object.keys(notes) as (keyof TriggerNotes)[];
  if (keys.length === 0) return fn();
  const set = (values: (string | null | undefined)[]) =>
    tx.query(
      `SELECT ${keys.map((k, i) => `set_config('${NOTE_SETTINGS[k]}', $${i + 1}, true)`).join(', ')}`,
      values.map((v) => v ?? ''),
    );
  await set(keys.map((k) => notes[k]));
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    // After a database error the transaction is aborted and the settings die with it; after an AppError the
    // caller may go on in this transaction (a sync push continuing with its next op), so they are cleared.
    await set(keys.map(() => '')).catch(() => {});
    throw err;
  }
  await set(keys.map(() => ''));
  return result;
}
