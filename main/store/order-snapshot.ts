// The mirror's orders as they were at one moment, for an export that reads them twice (once to filter and sort,
// then in chunks to write): its own read-only connection holds one read transaction, so pull pages and local
// edits that land on the store's connection meanwhile (WAL) do not change what the export sees half-way.
import Database from 'better-sqlite3';
import { OrdersView } from './orders-view.js';

export interface OrderSnapshot {
  scan: OrdersView['scan'];
  fetch: OrdersView['fetch'];
  close(): void;
}

export function openOrderSnapshot(file: string): OrderSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.exec('BEGIN');
  const view = new OrdersView(db);
  return {
    scan: (each, o) => view.scan(each, o),
    fetch: (refs) => view.fetch(refs),
    close() {
      if (db.inTransaction) db.exec('COMMIT');
      db.close();
    },
  };
}
