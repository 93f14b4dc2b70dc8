// PostgreSQL's archive_command / restore_command for a WAL archive behind the storage adapter (folder or S3):
//   archive_command = 'node --import file:///srv/dispatch/node_modules/tsx/dist/esm/index.mjs /srv/dispatch/db/cli/wal.ts push "%p" "%f"'
//   restore_command = 'node --import file:///srv/dispatch/node_modules/tsx/dist/esm/index.mjs /srv/dispatch/db/cli/wal.ts fetch "%f" "%p"'
// (walCommands() in db/maintenance/wal-archive.ts writes them for this checkout)
// with WAL_S3_BUCKET (+ WAL_S3_*) or WAL_ARCHIVE_DIR in its environment. Exit 0 = done; non-zero = PostgreSQL
// retries (archive) or takes the segment as not archived (restore).
import { createStorage, fetchWal, pushWal, walStorageConfig } from '../maintenance/wal-archive.js';

const [verb, a, b] = process.argv.slice(2).filter((x) => x !== '--');
if (!(verb === 'push' || verb === 'fetch') || !a || !b) {
  console.error('usage: wal.ts push <path> <name> | fetch <name> <destination>');
  process.exit(2);
}
try {
  const storage = createStorage(walStorageConfig());
  if (verb === 'push') await pushWal(storage, a, b);
  else if (!(await fetchWal(storage, a, b))) process.exit(1);
} catch (e) {
  console.error(`wal ${verb}: ${(e as Error).message}`);
  process.exit(1);
}
