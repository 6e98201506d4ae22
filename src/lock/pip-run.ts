// pip and the interpreter probes of the lock referee, through the one child runner (src/util/child.ts:
// own process group, a timeout that kills the group and returns at once), in the shape the referee reads.
import { runChild } from '../util/child.js';

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

export async function runProcess(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const max = opts.maxOutput ?? DEFAULT_MAX_OUTPUT;
  const r = await runChild(command, args, {
    timeoutMs: opts.timeoutMs, env: opts.env ?? process.env, extendEnv: false, ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  return {
    code: r.timedOut ? null : r.exitCode ?? null,
    stdout: r.stdout.slice(-max),
    stderr: r.stderr.slice(-max),
    timedOut: r.timedOut,
    seconds: r.ms / 1000,
    ...(r.spawnError ? { spawnError: r.spawnError } : {}),
  };
}
