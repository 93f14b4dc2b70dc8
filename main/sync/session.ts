// Login, online or offline. Online: the head office checks the password; an Argon2id verifier of it and the
// refresh token, sealed with a key derived from the password (store/token-seal.ts), are kept in the user's local
// database. Offline (head office unreachable): the same user logs in
// against that verifier and works on the local copy; the password stays in memory only until the link returns
// and the session has tokens again (refresh token first, a fresh login with it if the refresh token is refused).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { argon2Cost } from '../../domain/argon2-cost.js';
import type { Session } from '../../domain/client-api.js';
import { ClientStore } from '../store/client-store.js';
import { loadCredentials, saveCredentials, saveRefreshToken } from '../store/credentials.js';
import { deriveTokenKey, openToken, sealToken, type TokenKey } from '../store/token-seal.js';
import { type EngineOptions, SyncEngine } from './engine.js';
import { HeadOfficeClient, HttpError, NetworkError, type TokenPair } from './http-client.js';
import { LiveNotifications } from './live-notifications.js';

/** An error the UI shows as is: `code` for the program, `message` for the user, `field` for the form. */
export class ClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

// OWASP's minimum for Argon2id; ~17 ms here, so an offline login stays instant while guessing stays slow.
// (the Algorithm enum is const: tsc would inline it, tsx does not, so its value is written here: 2 = Argon2id)
const ARGON2 = { algorithm: 2 as Algorithm, ...argon2Cost(process.env.ARGON2_TEST_PROFILE) } as const;

export interface SessionOptions {
  /** where the per-user databases live */
  dataDir: string;
  httpTimeoutMs?: number;
  engine?: Omit<EngineOptions, 'store' | 'http'>;
}

export interface LoginInput {
  serverUrl: string;
  username: string;
  password: string;
}

/** One database per head office and user: a shared PC never shows one user's copy to another. */
export function databaseFile(dataDir: string, serverUrl: string, username: string): string {
  const key = createHash('sha256')
    .update(`${serverUrl.replace(/\/+$/, '').toLowerCase()}\n${username.trim().toLowerCase()}`)
    .digest('hex')
    .slice(0, 24);
  return join(dataDir, `user-${key}.sqlite`);
}

export class ClientSession {
  private password: string | null;
  /** the head office's notification stream; each notification starts a pull (FR-11, live when online) */
  private readonly live: LiveNotifications;

  private constructor(
    readonly store: ClientStore,
    readonly http: HeadOfficeClient,
    readonly engine: SyncEngine,
    private current: Session,
    password: string | null,
    /** seals the refresh tokens this session is given (derived from the password at login) */
    private readonly tokenKey: TokenKey,
  ) {
    this.password = password;
    this.live = new LiveNotifications({
      http,
      onNotification: () => engine.kick(),
      // the stream (re)opened: the link works now, so requests still waiting from before it are dropped and resent
      onConnected: (up) => {
        if (up) engine.linkBack();
      },
    });
  }

  /** Starts syncing: the outbox and pulls on the engine's timer, and pulls at once on a live notification. */
  start(): void {
    this.engine.start();
    this.live.start();
  }

  get session(): Session {
    return this.current;
  }

  static async login(input: LoginInput, opts: SessionOptions): Promise<ClientSession> {
    const serverUrl = input.serverUrl.replace(/\/+$/, '');
    const username = input.username.trim();
    let self: ClientSession | null = null;
    const http = new HeadOfficeClient({
      baseUrl: serverUrl,
      timeoutMs: opts.httpTimeoutMs,
      locale: () => self?.current.user.locale ?? 'ko',
      onTokens: (pair) => self?.adoptTokens(pair),
      reauthenticate: () => self?.loginAgain() ?? Promise.resolve(null),
    });
    let pair: TokenPair | null = null;
    try {
      pair = await http.login(username, input.password);
    } catch (e) {
      if (e instanceof HttpError && !e.transient) throw new ClientError(e.code, e.message, e.field ?? 'password');
      if (!(e instanceof NetworkError) && !(e instanceof HttpError)) throw e;
    }
    mkdirSync(opts.dataDir, { recursive: true });
    const file = databaseFile(opts.dataDir, serverUrl, username);
    if (pair) {
      const store = new ClientStore(file);
      const [verifier, tokenKey] = await Promise.all([hash(input.password, ARGON2), deriveTokenKey(input.password)]);
      saveCredentials(store.db, {
        username,
        serverUrl,
        user: pair.user,
        verifier,
        refreshToken: sealToken(tokenKey, pair.refreshToken),
      });
      self = new ClientSession(
        store,
        http,
        new SyncEngine({ ...opts.engine, store, http }),
        { user: pair.user, serverUrl, offline: false },
        null,
        tokenKey,
      );
      return self;
    }
    // The head office is unreachable: the last online login on this PC decides.
    const refuse = () =>
      new ClientError(
        'OFFLINE_LOGIN_UNAVAILABLE',
        'The head office cannot be reached and this user has not logged in online on this PC yet.',
        'username',
      );
    if (!existsSync(file)) throw refuse();
    const store = new ClientStore(file);
    const creds = loadCredentials(store.db, username);
    if (!creds) {
      store.close();
      throw refuse();
    }
    if (!(await verify(creds.verifier, input.password).catch(() => false))) {
      store.close();
      throw new ClientError('INVALID_CREDENTIALS', 'Wrong username or password.', 'password');
    }
    // a token that does not open (altered) is dropped: the password logs in again when the link returns
    const opened = creds.refreshToken ? await openToken(input.password, creds.refreshToken) : null;
    const tokenKey = opened?.key ?? (await deriveTokenKey(input.password));
    // a token kept in plain text by an earlier version is sealed now
    saveRefreshToken(store.db, username, opened ? sealToken(tokenKey, opened.token) : null);
    http.setTokens({ refreshToken: opened?.token ?? null });
    self = new ClientSession(
      store,
      http,
      new SyncEngine({ ...opts.engine, store, http }),
      { user: creds.user, serverUrl, offline: true },
      input.password,
      tokenKey,
    );
    return self;
  }

  private adoptTokens(pair: TokenPair): void {
    saveRefreshToken(this.store.db, this.current.user.username, sealToken(this.tokenKey, pair.refreshToken));
    this.current = { ...this.current, user: pair.user, offline: false };
    // tokens again: the password is no longer needed in memory
    this.password = null;
  }

  /** The refresh token was refused (expired, revoked) while an offline login holds the password: log in again. */
  private async loginAgain(): Promise<TokenPair | null> {
    if (!this.password) return null;
    const fresh = new HeadOfficeClient({ baseUrl: this.http.baseUrl });
    try {
      return await fresh.login(this.current.user.username, this.password);
    } catch (e) {
      if (e instanceof HttpError && e.status === 401) this.password = null; // changed at the head office
      throw e;
    }
  }

  async logout(): Promise<void> {
    await this.live.stop();
    await this.engine.stop();
    try {
      if (!this.current.offline) await this.http.logout();
    } catch {
      // unreachable: the token is forgotten here all the same
    }
    saveRefreshToken(this.store.db, this.current.user.username, null);
    await this.http.close();
    this.store.close();
  }

  async close(): Promise<void> {
    await this.live.stop();
    await this.engine.stop();
    await this.http.close();
    this.store.close();
  }
}
