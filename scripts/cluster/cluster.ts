// Several head-office instances behind nginx on one PostgreSQL and one Redis: what `npm run cluster:demo` starts
// and test/ops/cluster.test.ts proves. Each instance is its own Node process running server/main.ts (as systemd
// runs deploy/systemd/dispatch-server@.service); nginx runs deploy/nginx/dispatch.conf with this run's ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../db/pg/postgres-process.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
export const NGINX_SITE = join(repoRoot, 'deploy', 'nginx', 'dispatch.conf');

export interface Instance {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGKILL: the instance dies mid-work, as in a crash */
  kill(): Promise<void>;
}

export interface Cluster {
  /** nginx, the address clients use */
  url: string;
  instances: Instance[];
  redisUrl: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** owner connection of the primary (the first instance migrates it, the others find it migrated) */
  databaseUrl: string;
  /** folder for nginx's configuration, logs and temp files, the instances' logs and the shared file storage */
  workDir: string;
  instances?: number;
  /** REDIS_URL, else a redis-server of our own on a free port */
  redisUrl?: string;
  /** nginx's port (default: a free one) */
  port?: number;
  /** more environment for every instance (e.g. REPORTS_DATABASE_URL, key prefixes) */
  env?: Record<string, string>;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function waitHealthy(url: string, child: ChildProcess, log: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${url} exited (${child.exitCode}) while starting; see ${log}:\n${tail(log)}`);
    }
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not healthy within ${timeoutMs} ms; see ${log}:\n${tail(log)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/** The shipped nginx site with this run's upstream servers and listen port, inside a minimal main config. */
export function nginxConfig(site: string, upstreamPorts: number[], listenPort: number, workDir: string): string {
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n');
  const body = site
    .replace(/^(\s*server 127\.0\.0\.1:\d+[^\n]*\n)+/m, `${servers}\n`)
    .replace(/^\s*listen 80;/m, `    listen 127.0.0.1:${listenPort};`);
  if (!body.includes(`127.0.0.1:${upstreamPorts[0]}`) || !body.includes(`listen 127.0.0.1:${listenPort}`)) {
    throw new Error(`${NGINX_SITE}: no upstream server lines or "listen 80;" to replace`);
  }
  return `daemon off;
worker_processes 1;
pid ${workDir}/nginx.pid;
error_log ${workDir}/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log ${workDir}/nginx-access.log;
  client_body_temp_path ${workDir}/nginx-tmp/body;
  proxy_temp_path ${workDir}/nginx-tmp/proxy;
  fastcgi_temp_path ${workDir}/nginx-tmp/fastcgi;
  uwsgi_temp_path ${workDir}/nginx-tmp/uwsgi;
  scgi_temp_path ${workDir}/nginx-tmp/scgi;
${body}
}
`;
}

function nginxBinary(): string {
  if (process.env.NGINX_BIN) return process.env.NGINX_BIN;
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx']) if (existsSync(p)) return p;
  return 'nginx';
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const workDir = resolve(opts.workDir);
  mkdirSync(join(workDir, 'nginx-tmp'), { recursive: true });
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    for (const c of children.reverse()) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      await waitExit(c);
    }
  };
  try {
    let redisUrl = opts.redisUrl;
    if (!redisUrl) {
      const port = await freePort();
      const redis = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      children.push(redis);
      await new Promise((r) => setTimeout(r, 300));
      if (redis.exitCode !== null) throw new Error('redis-server did not start: set REDIS_URL or install redis-server');
      redisUrl = `redis://127.0.0.1:${port}`;
    }

    const count = opts.instances ?? 2;
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const instances: Instance[] = [];
    const start = async (i: number) => {
      const name = String.fromCharCode(65 + i); // A, B, …
      const log = join(workDir, `instance-${name}.log`);
      const fd = openSync(log, 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'server', 'main.ts')], {
        cwd: repoRoot,
        stdio: ['ignore', fd, fd],
        env: {
          ...process.env,
          DATABASE_URL: opts.databaseUrl,
          REDIS_URL: redisUrl,
          PORT: String(ports[i]),
          HOST: '127.0.0.1',
          TRUST_PROXY: 'loopback',
          STORAGE_DIR: join(workDir, 'files'),
          ...opts.env,
        },
      });
      children.push(child);
      const url = `http://127.0.0.1:${ports[i]}`;
      await waitHealthy(url, child, log);
      instances[i] = {
        name,
        port: ports[i]!,
        url,
        child,
        async kill() {
          child.kill('SIGKILL');
          await waitExit(child);
        },
      };
    };
    // all at once: they set the database up under its advisory lock, one after the other
    await Promise.all(Array.from({ length: count }, (_, i) => start(i)));

    const port = opts.port ?? (await freePort());
    const conf = join(workDir, 'nginx.conf');
    writeFileSync(conf, nginxConfig(readFileSync(NGINX_SITE, 'utf8'), ports, port, workDir));
    const nginx = spawn(nginxBinary(), ['-p', workDir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let nginxErr = '';
    nginx.stderr!.on('data', (d) => {
      nginxErr += d;
    });
    let spawnFailed = false;
    nginx.once('error', (e) => {
      spawnFailed = true;
      nginxErr += e.message;
    });
    children.push(nginx);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (spawnFailed || nginx.exitCode !== null) {
        throw new Error(`nginx did not start (install the Debian package nginx-light or nginx): ${nginxErr}`);
      }
      const ok = await fetch(`${url}/api/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`nginx on ${url} does not answer: ${nginxErr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { url, instances, redisUrl, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
