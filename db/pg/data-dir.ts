import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Project-local state (embedded PostgreSQL, generated secrets, stored files); git ignores it. */
export const dataRoot = resolve(process.env.DATA_DIR ?? join(import.meta.dirname, '..', '..', '.data'));

/** A secret from the environment, else one generated on first use and kept under .data/ so restarts agree. */
export function persistentSecret(envName: string, fileName: string, bytes = 32): string {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  const file = join(dataRoot, fileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const value = randomBytes(bytes).toString('base64url');
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}
