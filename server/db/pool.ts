import pg from 'pg';
import type { Logger } from '../logger.js';

// DATE columns come back as 'YYYY-MM-DD' strings: a JS Date would shift them by the process's time zone.
const DATE_OID = 1082;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === DATE_OID) return (v: string) => v;
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a union format
    return pg.types.getTypeParser(oid, format as any);
  },
};

export type Pool = pg.Pool;

/** A pool for the server, connected as the application role (dispatch_app), never as the owner. */
export function createPool(connectionString: string, opts: { max?: number; logger?: Logger } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? Number(process.env.PG_POOL_MAX ?? 20),
    types,
    application_name: 'dispatch-server',
    // named statements (db/prepared.ts) keep one generic plan per connection instead of planning every call
    options: '-c plan_cache_mode=force_generic_plan',
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', (err) => opts.logger?.error({ err }, 'idle database client failed'));
  return pool;
}
