// Every call the branch client makes to the head office goes through here: fetch with a timeout, the access
// token, one token refresh on 401 (shared by concurrent callers), and errors sorted into "the link is down"
// (NetworkError: retry later) and "the head office answered no" (HttpError). The sync engine uses it; online-only
// screens may too.
import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import type { SessionUser } from '../../domain/client-api.js';
import {
  type CheckpointBucketResponse,
  type CheckpointResponse,
  checkpointBucketResponse,
  checkpointResponse,
  type OutboxReport,
  type PullResponse,
  type PushOp,
  type PushResponse,
  pullResponse,
  pushResponse,
  type SyncEntity,
} from '../../domain/sync-protocol.js';

export interface TokenPair {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
  user: SessionUser;
}

/** Why dropStale() aborted a request. */
class LinkReset extends Error {
  constructor() {
    super('dropped: no answer on a connection from before the link came back');
    this.name = 'LinkReset';
  }
}

/** Why the request's own watchdog aborted it: nothing came for the stall bound. */
class Stalled extends Error {
  constructor(readonly ms: number) {
    super(`nothing for ${ms} ms`);
    this.name = 'Stalled';
  }
}

/** Why the request's own watchdog aborted it: no whole answer within its timeout. */
class RequestTimedOut extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'RequestTimedOut';
  }
}

/** No answer: refused connection, DNS, reset, timeout. The link (VPN) is down or the head office is. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly timedOut = false,
    /** the connection was closed under the request (rather than refused or timed out) */
    readonly socketDropped = false,
    /**
     * the request certainly never left this PC: no connection could be made (refused, no route, name unknown,
     * connect timeout). Any other failure may have come after the head office had read and applied it.
     */
    readonly unsent = false,
  ) {
    super(message);
  }
}

/** The head office answered with an error status. `code`/`field` come from its { error } body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  /** worth retrying later: the head office or something in front of it is having trouble */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/**
 * 401 after the tokens could not be renewed (refresh token refused, no way to log in again): the session cannot
 * authenticate until its user signs in again. Its code is the refusal's (REFRESH_INVALID, REFRESH_REUSED, …).
 */
export class SignedOutError extends HttpError {}

export interface HeadOfficeClientOptions {
  baseUrl: string;
  /** per request, the whole answer; default 10 s (pulls and pushes: 60 s) */
  timeoutMs?: number;
  /**
   * The stall bound: a request on which nothing arrives for this long — no answer's head, then no next piece of
   * its body — is given up (its connection dropped), whatever its timeout. A connection a link reset left dead
   * says nothing at all, so this is how such a request ends when nothing tells the client the link is back.
   * Default 15 s; connecting is bounded at 5 s.
   */
  stallMs?: number;
  /** sent as Accept-Language so errors come in the UI's language */
  locale?: () => string;
  /** called with every new token pair (after login or refresh), e.g. to store the refresh token */
  onTokens?: (pair: TokenPair) => void;
  /**
   * Called when the refresh token is refused too: may log in again (e.g. with the password of an offline login)
   * and return the new pair, or null to give up (the call fails with 401).
   */
  reauthenticate?: () => Promise<TokenPair | null>;
}

export interface RequestOptions {
  body?: unknown;
  /** a multipart body instead of JSON (attachments); fetch sets its boundary */
  form?: FormData;
  query?: Record<string, string | number | undefined>;
  timeoutMs?: number;
  /** default true: send the access token and refresh it on 401 */
  auth?: boolean;
  /** a file, not JSON: any content type is accepted and a successful body is kept as bytes */
  raw?: boolean;
}

/** A request under way, until its whole answer has been read: dropped by dropStale() when its link went dead. */
interface InFlight {
  abort: AbortController;
  startedAt: number;
  /** when the request went out, then when the last piece of its answer (head, a piece of body) came */
  lastByteAt: number;
  /** a held answer's keep-alive period (its `X-Answer-Held` header): the head office is still working on it */
  heldMs: number | null;
}

/** An answer as read: its status — for a held answer, the one its body names — and its parsed JSON body. */
interface Answer {
  status: number;
  statusText: string;
  body: unknown;
  /** the body as it came, for a raw (file) request that succeeded */
  bytes?: Buffer;
}

/** See server/http/held-answer.ts: a head sent early, spaces while the head office works, then the answer. */
const HELD_ANSWER_HEADER = 'x-answer-held';

const CONNECT_TIMEOUT_MS = 5000;
/** Errors of a connection that was never made: nothing of the request went out. */
const NO_CONNECTION: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
const DEFAULT_STALL_MS = 15_000;
const LOGIN_TIMEOUT_MS = 5000;

export class HeadOfficeClient {
  readonly baseUrl: string;
  /** this client's connections, replaced (all sockets closed) when they may have been left dead */
  private agent: Agent;
  private readonly inFlight = new Set<InFlight>();
  private accessToken: string | null = null;
  private refreshToken: string | null = null;
  /**
   * Sent with every refresh of the current refresh token, the same on each try: a refresh whose answer was lost
   * is tried again with it, and the head office then issues new tokens instead of revoking the family as it does
   * for a used token presented without it (a copy). Kept only in memory, until new tokens are adopted.
   */
  private retryKey: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  /** why the last renewal of the tokens was refused (the refresh's answer), for the 401 the caller gets */
  private refusal: HttpError | null = null;

  constructor(private readonly opts: HeadOfficeClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.agent = this.newAgent();
  }

  private newAgent(): Agent {
    const stall = this.opts.stallMs ?? DEFAULT_STALL_MS;
    return new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS }, headersTimeout: stall, bodyTimeout: stall });
  }

  /** Closes every pooled connection: the next request opens a new one. */
  private resetConnections(): void {
    const old = this.agent;
    this.agent = this.newAgent();
    void old.destroy().catch(() => {});
  }

  /**
   * The link is back (the live stream reopened, the shell saw the network return): a request on which nothing
   * has come for `minAgeMs` most likely went out on a connection the outage left dead. Each is dropped — the
   * caller sees a dropped connection and sends it again at once (safe: pulls are reads, pushes exactly once by
   * op id) — and the pooled connections with it. Requests younger than that are left alone. A held answer (the
   * head office still working, a space every period) is given its next keep-alive: dropped only if nothing comes
   * within one period and `minAgeMs` from now.
   */
  dropStale(minAgeMs = 1000): number {
    const now = Date.now();
    let dropped = 0;
    for (const r of this.inFlight) {
      if (r.heldMs !== null) {
        const since = r.lastByteAt;
        setTimeout(() => {
          if (!this.inFlight.has(r) || r.lastByteAt !== since) return;
          r.abort.abort(new LinkReset());
          this.resetConnections();
        }, r.heldMs + minAgeMs).unref();
        continue;
      }
      if (now - r.lastByteAt < minAgeMs) continue;
      r.abort.abort(new LinkReset());
      dropped++;
    }
    if (dropped > 0) this.resetConnections();
    return dropped;
  }

  /** Closes this client's connections for good (the session ends). */
  async close(): Promise<void> {
    for (const r of this.inFlight) r.abort.abort(new LinkReset());
    // not awaited: a connection undici never settled (a first POST to a peer that closed it) keeps destroy()
    // pending for ever; its sockets are closed at once all the same
    void this.agent.destroy().catch(() => {});
  }

  setTokens(pair: { accessToken?: string | null; refreshToken?: string | null }): void {
    if (pair.accessToken !== undefined) this.accessToken = pair.accessToken;
    if (pair.refreshToken !== undefined && pair.refreshToken !== this.refreshToken) {
      this.refreshToken = pair.refreshToken;
      this.retryKey = null;
    }
  }

  get hasAccessToken(): boolean {
    return this.accessToken !== null;
  }

  /**
   * One request and its whole answer; a connection the other side closed just as it was reused (a keep-alive
   * race, not an outage), or one dropStale() dropped, is tried once more at once. Safe for every call here: pulls
   * are reads, pushes are exactly-once by op id, a refresh carries its retry key.
   */
  private async exchange(method: string, path: string, o: RequestOptions): Promise<Answer> {
    try {
      return await this.exchangeOnce(method, path, o);
    } catch (e) {
      if (!(e instanceof NetworkError) || e.timedOut || !e.socketDropped) throw e;
      try {
        return await this.exchangeOnce(method, path, o);
      } catch (again) {
        // the first try may have reached the head office, whatever became of the second
        if (again instanceof NetworkError && again.unsent)
          throw new NetworkError(again.message, again.timedOut, again.socketDropped);
        throw again;
      }
    }
  }

  private async exchangeOnce(method: string, path: string, o: RequestOptions): Promise<Answer> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: o.raw ? '*/*' : 'application/json' };
    const locale = this.opts.locale?.();
    if (locale) headers['accept-language'] = locale;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    if (o.auth !== false && this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    const timeoutMs = o.timeoutMs ?? this.opts.timeoutMs ?? 10_000;
    const now = Date.now();
    const flight: InFlight = { abort: new AbortController(), startedAt: now, lastByteAt: now, heldMs: null };
    this.inFlight.add(flight);
    const watchdog = this.watch(flight, timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: o.form ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
        signal: flight.abort.signal,
        // biome-ignore lint/suspicious/noExplicitAny: Node's fetch takes an undici dispatcher; its types do not say so
        dispatcher: this.agent as any,
      } as RequestInit);
    } catch (e) {
      this.inFlight.delete(flight);
      clearTimeout(watchdog.timer);
      throw this.networkError(e, flight, timeoutMs);
    }
    flight.lastByteAt = Date.now();
    const held = Number(res.headers.get(HELD_ANSWER_HEADER));
    if (held > 0) flight.heldMs = held;
    try {
      return await answerOf(res, flight, o.raw);
    } catch (e) {
      throw this.networkError(e, flight, timeoutMs, true);
    } finally {
      this.inFlight.delete(flight);
      clearTimeout(watchdog.timer);
    }
  }

  /**
   * The request's bounds, kept by its own timer rather than AbortSignal.timeout() and undici's timers: those do
   * not keep the process alive, and a first POST to a peer that accepts and closes the connection is neither
   * answered nor failed by undici — a process with nothing else to do (the services worker starting, a child
   * process) then ended with the request unsettled instead of falling back to the offline login. Aborts the
   * request when nothing came for the stall bound, or no whole answer within `timeoutMs`.
   */
  private watch(flight: InFlight, timeoutMs: number): { timer: NodeJS.Timeout | undefined } {
    const stallMs = this.opts.stallMs ?? DEFAULT_STALL_MS;
    const w: { timer: NodeJS.Timeout | undefined } = { timer: undefined };
    const check = () => {
      const now = Date.now();
      if (now - flight.startedAt >= timeoutMs) flight.abort.abort(new RequestTimedOut(timeoutMs));
      else if (now - flight.lastByteAt >= stallMs) flight.abort.abort(new Stalled(stallMs));
      else w.timer = setTimeout(check, Math.min(flight.startedAt + timeoutMs, flight.lastByteAt + stallMs) - now);
    };
    w.timer = setTimeout(check, Math.min(timeoutMs, stallMs));
    return w;
  }

  /** Why no (whole) answer came, as a NetworkError; a stalled connection also drops the pool's others. */
  private networkError(e: unknown, flight: InFlight, timeoutMs: number, bodyCut = false): NetworkError {
    if (e instanceof NetworkError) return e;
    const err = e as Error & { cause?: { code?: string }; code?: string };
    if (flight.abort.signal.aborted) {
      const why = flight.abort.signal.reason as Error;
      if (why instanceof RequestTimedOut)
        return new NetworkError(`no answer from ${this.baseUrl} within ${why.ms} ms`, true);
      if (why instanceof Stalled) {
        // the other connections of the pool went through the same link: do not reuse them
        this.resetConnections();
        return new NetworkError(`nothing from ${this.baseUrl} for ${why.ms} ms`, true);
      }
      return new NetworkError(`${this.baseUrl}: ${why.message}`, false, true);
    }
    const code = err.cause?.code ?? err.code ?? err.message;
    const stalled =
      code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError' || stalled;
    if (stalled) {
      // the other connections of the pool went through the same link: do not reuse them
      this.resetConnections();
      const connecting = code === 'UND_ERR_CONNECT_TIMEOUT';
      const ms = connecting ? CONNECT_TIMEOUT_MS : (this.opts.stallMs ?? DEFAULT_STALL_MS);
      return new NetworkError(`nothing from ${this.baseUrl} for ${ms} ms`, true, false, connecting);
    }
    if (timedOut) return new NetworkError(`no answer from ${this.baseUrl} within ${timeoutMs} ms`, true);
    // the connection dropped while the body was coming: as good as no answer (not tried again at once)
    if (bodyCut) return new NetworkError(`answer from ${this.baseUrl} cut off (${err.message})`);
    return new NetworkError(
      `${this.baseUrl} unreachable (${code})`,
      false,
      code === 'UND_ERR_SOCKET' || code === 'ECONNRESET',
      NO_CONNECTION.has(code ?? ''),
    );
  }

  /** One refresh at a time; everyone waiting on a 401 shares its outcome. */
  private refreshOnce(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        if (this.refreshToken) {
          try {
            await this.refresh();
            return true;
          } catch (e) {
            if (!(e instanceof HttpError) || e.status !== 401) throw e;
            this.refusal = e;
          }
        }
        const pair = (await this.opts.reauthenticate?.()) ?? null;
        if (pair) this.adopt(pair);
        return pair !== null;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** The 401 of a request whose tokens could not be renewed. */
  private signedOut(): SignedOutError {
    const r = this.refusal;
    return new SignedOutError(401, r?.code ?? 'UNAUTHORIZED', r?.message ?? 'the session cannot authenticate');
  }

  private adopt(pair: TokenPair): void {
    this.refusal = null;
    this.retryKey = null;
    this.accessToken = pair.accessToken;
    this.refreshToken = pair.refreshToken;
    this.opts.onTokens?.(pair);
  }

  /**
   * A file from the head office (an attachment, an ECOAS report, an export): its bytes, under the same token,
   * refresh and bounds as request(); a refusal throws the head office's error like request().
   */
  async download(path: string, o: { timeoutMs?: number } = {}): Promise<Buffer> {
    const answer = await this.authorized('GET', path, { ...o, raw: true });
    if (answer.status < 200 || answer.status >= 300) resultOf<never>(answer);
    return answer.bytes ?? Buffer.alloc(0);
  }

  /** The exchange with the access token; on 401 the tokens are refreshed once and the request sent again. */
  private async authorized(method: string, path: string, o: RequestOptions): Promise<Answer> {
    if (o.auth !== false && !this.accessToken && (this.refreshToken || this.opts.reauthenticate)) {
      await this.refreshOnce();
    }
    const answer = await this.exchange(method, path, o);
    if (answer.status === 401 && o.auth !== false) {
      // the answer after renewed tokens (a 401 again: the user may no longer sign in, SESSION_REVOKED)
      if (await this.refreshOnce()) return this.exchange(method, path, o);
      throw this.signedOut();
    }
    return answer;
  }

  /** A JSON request; on 401 the tokens are refreshed once and the request sent again. */
  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    return resultOf<T>(await this.authorized(method, path, o));
  }

  /**
   * An authenticated long-lived GET (Server-Sent Events): no timeout, ended by `signal`; on 401 the tokens are
   * refreshed once. Resolves with the open response; throws NetworkError / HttpError like request().
   */
  async openStream(path: string, signal: AbortSignal): Promise<Response> {
    const open = async () => {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      const locale = this.opts.locale?.();
      if (locale) headers['accept-language'] = locale;
      if (this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
      try {
        return await fetch(`${this.baseUrl}${path}`, { headers, signal });
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        throw new NetworkError(`${this.baseUrl} unreachable (${err.cause?.code ?? err.message})`);
      }
    };
    if (!this.accessToken && (this.refreshToken || this.opts.reauthenticate)) await this.refreshOnce();
    let res = await open();
    if (res.status === 401) {
      await res.body?.cancel();
      if (!(await this.refreshOnce())) throw this.signedOut();
      res = await open();
    }
    if (!res.ok || !res.body) {
      const answer = await answerOf(res).catch((e: Error) => {
        throw new NetworkError(`answer from ${this.baseUrl} cut off (${e.message})`);
      });
      return resultOf<never>(answer);
    }
    return res;
  }

  async login(username: string, password: string): Promise<TokenPair> {
    // short: a head office that does not answer a login at once is as good as away, and the clerk waits for the
    // fall-back to the offline login
    const pair = resultOf<TokenPair>(
      await this.exchange('POST', '/api/auth/login', {
        body: { username, password },
        auth: false,
        timeoutMs: Math.min(this.opts.timeoutMs ?? LOGIN_TIMEOUT_MS, LOGIN_TIMEOUT_MS),
      }),
    );
    this.adopt(pair);
    return pair;
  }

  async refresh(): Promise<TokenPair> {
    if (!this.refreshToken) throw new HttpError(401, 'REFRESH_INVALID', 'no refresh token');
    this.retryKey ??= randomBytes(24).toString('base64url');
    const pair = resultOf<TokenPair>(
      await this.exchange('POST', '/api/auth/refresh', {
        body: { refreshToken: this.refreshToken, retryKey: this.retryKey },
        auth: false,
      }),
    );
    this.adopt(pair);
    return pair;
  }

  async logout(): Promise<void> {
    const token = this.refreshToken;
    this.accessToken = null;
    this.refreshToken = null;
    this.retryKey = null;
    if (token)
      resultOf(await this.exchange('POST', '/api/auth/logout', { body: { refreshToken: token }, auth: false }));
  }

  async health(timeoutMs = 3000): Promise<boolean> {
    try {
      const answer = await this.exchange('GET', '/api/health', { auth: false, timeoutMs });
      return answer.status >= 200 && answer.status < 300;
    } catch {
      return false;
    }
  }

  /** `window`: the months of the client's window (docs/sync-protocol.md); absent: the whole scope. */
  async pull(cursor: string | null, limit: number, report?: OutboxReport, window?: number): Promise<PullResponse> {
    const body = await this.request<unknown>('GET', '/api/sync/changes', {
      query: { cursor: cursor ?? undefined, limit, ...report, window },
      timeoutMs: 60_000,
    });
    return pullResponse.parse(body);
  }

  async checkpoint(cursor: string): Promise<CheckpointResponse> {
    return checkpointResponse.parse(await this.request<unknown>('GET', '/api/sync/checkpoint', { query: { cursor } }));
  }

  async checkpointBucket(cursor: string, entity: SyncEntity, bucket: number): Promise<CheckpointBucketResponse> {
    const body = await this.request<unknown>('GET', '/api/sync/checkpoint/bucket', {
      query: { cursor, entity, bucket },
      timeoutMs: 60_000,
    });
    return checkpointBucketResponse.parse(body);
  }

  async reportRepairs(repairs: Partial<Record<SyncEntity, number>>): Promise<void> {
    await this.request('POST', '/api/sync/repairs', { body: { repairs } });
  }

  async push(clientId: string, ops: PushOp[]): Promise<PushResponse> {
    const body = await this.request<unknown>('POST', '/api/sync/push', { body: { clientId, ops }, timeoutMs: 60_000 });
    return pushResponse.parse(body);
  }
}

/**
 * Reads a whole answer (noting each piece's arrival on `flight`, so dropStale() sees a live connection) and
 * parses its JSON. A held answer's status is the one its body names when the head office failed after sending
 * the head: `{"status": 503, "error": {…}}` is a 503 like any other.
 */
async function answerOf(res: Response, flight?: InFlight, raw = false): Promise<Answer> {
  const pieces: Uint8Array[] = [];
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (flight) flight.lastByteAt = Date.now();
      pieces.push(value);
    }
  }
  const bytes = Buffer.concat(pieces);
  if (raw && res.ok) return { status: res.status, statusText: res.statusText, body: undefined, bytes };
  const text = bytes.toString('utf8');
  let body: unknown;
  try {
    body = text.trim() ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.ok && res.headers.has(HELD_ANSWER_HEADER)) {
    const late = body as { status?: unknown; error?: unknown } | undefined;
    if (typeof late?.status === 'number' && late.error !== undefined) {
      return { status: late.status, statusText: 'held answer failed', body: { error: late.error } };
    }
  }
  return { status: res.status, statusText: res.statusText, body };
}

/** The answer's body, or its error as an HttpError (`code`/`field` come from its { error } body). */
function resultOf<T>(answer: Answer): T {
  if (answer.status >= 200 && answer.status < 300) return answer.body as T;
  const e = (answer.body as { error?: { code?: string; message?: string; field?: string; details?: unknown } })?.error;
  throw new HttpError(
    answer.status,
    e?.code ?? `HTTP_${answer.status}`,
    e?.message ?? `${answer.status} ${answer.statusText}`,
    e?.field,
    e?.details,
  );
}
