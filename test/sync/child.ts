// Starts test/sync/child-client.ts in its own Node process (TypeScript through tsx).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ChildRun {
  proc: ChildProcess;
  /** resolves when the process ends, however it ends */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function startChild(env: Record<string, string>): ChildRun {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'child-client.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => {
    stdout += d;
  });
  proc.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { proc, done };
}

/** Runs the child to its end; throws with its output unless it ended as `expect` says. */
export async function runChild(env: Record<string, string>, expect: 'ok' | 'killed' = 'ok') {
  const r = await startChild(env).done;
  const ok = expect === 'ok' ? r.code === 0 : r.signal === 'SIGKILL';
  if (!ok) throw new Error(`child ended ${r.code ?? r.signal}, expected ${expect}\n${r.stdout}\n${r.stderr}`);
  return r;
}
