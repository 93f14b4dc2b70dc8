import { spawn } from 'node:child_process';

/** pg_dump / pg_restore / pg_basebackup from PG_BIN_DIR, else PATH (the embedded cluster ships no client tools). */
export type PgTool = 'pg_dump' | 'pg_restore' | 'pg_basebackup';

export function pgTool(name: PgTool): string {
  return process.env.PG_BIN_DIR ? `${process.env.PG_BIN_DIR}/${name}` : name;
}

/** Runs a PostgreSQL client tool; rejects with its stderr when it exits non-zero. */
export function runPgTool(name: PgTool, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(pgTool(name), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', (e) =>
      reject(
        new Error(`${name} could not start (${e.message}); install the PostgreSQL 15 client tools or set PG_BIN_DIR`),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${name} exited with ${code}: ${err.trim()}`)),
    );
  });
}
