// What the screen handlers need from the signed-in session of the sync engine (main/sync/session.ts): the local
// SQLite mirror, the head-office HTTP client, the engine. Declared structurally so this folder depends on the
// engine's behaviour, not its file layout.
import type Database from 'better-sqlite3';
import type { ClientEvent, Session, SyncState } from '../../domain/client-api.js';
import type { OrderRow } from '../../domain/order-row.js';
import type { OpKind, SyncRow } from '../../domain/sync-protocol.js';
import type { RowChange } from '../store/part-ops.js';

export interface StoreLike {
  readonly db: Database.Database;
  readonly file: string;
  listOrders(filter?: Record<string, unknown>): OrderRow[];
  getOrder(id: string): OrderRow | null;
  windowMonths(): number;
  setWindowMonths(months: number): void;
  windowFrom(): string | null;
  localOrderOp(args: {
    kind: OpKind;
    orderId: string;
    payload: Record<string, unknown>;
    seenVersion?: number;
    check?: (current: SyncRow | null) => void;
    effects?: (current: SyncRow, now: string) => RowChange[];
  }): unknown;
}

export interface HttpLike {
  readonly baseUrl: string;
  request<T>(
    method: string,
    path: string,
    o?: { body?: unknown; form?: FormData; query?: Record<string, string | number | undefined>; timeoutMs?: number },
  ): Promise<T>;
  /** a file's bytes (attachments, reports, exports) */
  download(path: string, o?: { timeoutMs?: number }): Promise<Buffer>;
}

export interface SessionLike {
  readonly session: Session;
  readonly store: StoreLike;
  readonly http: HttpLike;
  readonly engine: { localWrite(): void; publish(): SyncState; syncNow(): Promise<SyncState> };
}

export interface ScreenContext {
  current(): SessionLike | null;
  emit(event: ClientEvent): void;
}
