// Runs one child process (pip) with a deadline that really ends the wait: the child starts in its
// own process group, and on timeout the whole group (pip and anything it started) is killed and
// the promise settles at once. Self-contained on purpose; src/util/child.ts may replace it.
import { spawn } from 'node:child_process';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  /** keep at most this many characters of each stream (the tail, where pip's errors are) */
  maxOutput?: number;
}

export interface RunResult {
  /** exit code; null when killed by a signal or on timeout */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  seconds: number;
  /** set when the program could not be started at all (ENOENT, EACCES) */
  spawnError?: string;
}

const DEFAULT_MAX_OUTPUT = 1_000_000;

export function runProcess(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const max = opts.maxOutput ?? DEFAULT_MAX_OUTPUT;
  const seconds = () => (performance.now() - started) / 1000;
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const settle = (r: Omit<RunResult, 'stdout' | 'stderr' | 'seconds'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, stdout, stderr, seconds: seconds() });
    };
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      // its own process group, so a timeout can end pip and every process under it
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killGroup(child.pid);
      settle({ code: null, timedOut: true });
    }, opts.timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => { stdout = keepTail(stdout + d, max); });
    child.stderr.on('data', (d: string) => { stderr = keepTail(stderr + d, max); });
    child.on('error', (err) => settle({ code: null, timedOut: false, spawnError: err.message }));
    // 'close' (not 'exit'): both pipes are drained by then
    child.on('close', (code) => settle({ code, timedOut: false }));
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone; fall back to the leader alone in case it left the group
    try { process.kill(pid, 'SIGKILL'); } catch { /* already exited */ }
  }
}

function keepTail(text: string, max: number): string {
  return text.length > max ? text.slice(text.length - max) : text;
}
