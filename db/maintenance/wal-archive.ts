// The WAL archive through the head office's storage adapter (server/storage): a folder, or an S3-compatible
// bucket — storage separate from the database's disk. PostgreSQL runs `db/cli/wal.ts push %p %f` as its
// archive_command and `fetch %f %p` as the restore_command of a recovery (the PITR drill, a real restore).
import { createWriteStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { ServerConfig } from '../../server/config.js';
import { createStorage, type Storage, StoredObjectMissing } from '../../server/storage/storage.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

/**
 * The archive's storage from the environment: WAL_S3_BUCKET (with WAL_S3_ENDPOINT, WAL_S3_REGION,
 * WAL_S3_ACCESS_KEY_ID, WAL_S3_SECRET_ACCESS_KEY, WAL_S3_PREFIX — each falling back to its S3_* twin), else the
 * folder WAL_ARCHIVE_DIR.
 */
export function walStorageConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig['storage'] {
  const bucket = env.WAL_S3_BUCKET || undefined;
  if (!bucket && !env.WAL_ARCHIVE_DIR) throw new Error('set WAL_S3_BUCKET or WAL_ARCHIVE_DIR');
  return {
    driver: bucket ? 's3' : 'local',
    dir: env.WAL_ARCHIVE_DIR ?? '',
    s3: {
      bucket,
      endpoint: env.WAL_S3_ENDPOINT || env.S3_ENDPOINT || undefined,
      region: env.WAL_S3_REGION || env.S3_REGION || undefined,
      accessKeyId: env.WAL_S3_ACCESS_KEY_ID || env.S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.WAL_S3_SECRET_ACCESS_KEY || env.S3_SECRET_ACCESS_KEY || undefined,
      prefix: env.WAL_S3_PREFIX ?? 'wal/',
    },
  };
}

async function readAll(storage: Storage, key: string): Promise<Buffer | undefined> {
  try {
    const chunks: Buffer[] = [];
    for await (const c of await storage.get(key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } catch (e) {
    if (e instanceof StoredObjectMissing) return undefined;
    throw e;
  }
}

/**
 * archive_command: stores the segment under its name. A segment already archived with the same bytes is fine
 * (PostgreSQL may archive it again after a crash); different bytes under the same name are refused, never
 * overwritten.
 */
export async function pushWal(storage: Storage, path: string, name: string): Promise<'stored' | 'already'> {
  const existing = await readAll(storage, name);
  const bytes = readFileSync(path);
  if (existing) {
    if (existing.equals(bytes)) return 'already';
    throw new Error(`WAL ${name} is already archived with other contents: refusing to overwrite it`);
  }
  await storage.put(name, bytes, { contentType: 'application/octet-stream' });
  return 'stored';
}

/** restore_command: copies the segment to `dest`; false when the archive does not have it (the end of the WAL). */
export async function fetchWal(storage: Storage, name: string, dest: string): Promise<boolean> {
  try {
    await pipeline(await storage.get(name), createWriteStream(dest));
    return true;
  } catch (e) {
    if (e instanceof StoredObjectMissing) return false;
    throw e;
  }
}

/** The archive_command and restore_command that run db/cli/wal.ts with `env` (e.g. WAL_ARCHIVE_DIR=…). */
export function walCommands(env: Record<string, string>): { archive: string; restore: string } {
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  // one node process with tsx's loader (the tsx command would start a second one for each segment)
  const loader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;
  const cli = `${vars} ${process.execPath} --import ${loader} ${join(repoRoot, 'db', 'cli', 'wal.ts')}`;
  return { archive: `${cli} push "%p" "%f"`, restore: `${cli} fetch "%f" "%p"` };
}

export { createStorage };
