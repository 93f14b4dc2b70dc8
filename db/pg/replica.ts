// A streaming replica of a cluster: pg_basebackup -R (standby.signal + primary_conninfo) into a folder, then a
// hot standby on it. Used by `npm run cluster:demo` for report reads and by the tests; on a real head office the
// replica is a PostgreSQL service of its own made the same way (docs/operations.md, "Read replica").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runPgTool } from '../maintenance/pg-tools.js';
import { handToCluster, type PostgresProcess, startPostgres } from './postgres-process.js';

export interface RunningReplica {
  /** the owner's URL on the replica (same user and password as the primary's) */
  url: string;
  process: PostgresProcess;
  stop(): Promise<void>;
}

/** Makes the replica's data directory on first use (from `primaryUrl`), then starts it on `port`. */
export async function startReplica(primaryUrl: string, dir: string, port: number): Promise<RunningReplica> {
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    await runPgTool('pg_basebackup', ['-d', primaryUrl, '-D', dir, '-Fp', '-X', 'stream', '-c', 'fast', '-R']);
    handToCluster(dir);
  }
  const process = await startPostgres(dir, port, [
    '-c',
    'hot_standby=on',
    // a standby needs at least the primary's max_connections (the embedded primary runs with 300)
    '-c',
    'max_connections=300',
    // and at least its max_locks_per_transaction (256, db/pg/embedded.ts)
    '-c',
    'max_locks_per_transaction=256',
    '-c',
    'archive_mode=off',
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    // report queries may run for a while: let replay wait up to 60 s for them before cancelling them
    '-c',
    'max_standby_streaming_delay=60s',
    '-c',
    'hot_standby_feedback=on',
  ]);
  const u = new URL(primaryUrl);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return { url: u.toString(), process, stop: () => process.stop() };
}
