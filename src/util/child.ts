// Every child process tfdoctor starts goes through runChild. The child leads its own process group
// (detached), so a timeout kills the child and everything it started (a shim's grandchild that hangs
// holding our stdout pipe included) and returns at once; a child's leftovers die when it exits. While
// children run, Ctrl-C / SIGTERM / SIGHUP to tfdoctor kill their groups too (detached children are
// outside the terminal's process group and would not get the signal themselves).
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { UserError } from './errors.js';

export interface ChildOptions {
  /** kill the child's whole process group after this long */
  timeoutMs: number;
  /** added to tfdoctor's own environment (or the whole environment, with extendEnv: false) */
  env?: NodeJS.ProcessEnv;
  extendEnv?: boolean;
  cwd?: string;
  /** written to the child's stdin, then closed; without it stdin is /dev/null */
  input?: string;
  /** the group is killed when stdout or stderr passes this many bytes (default 256 MiB) */
  maxBuffer?: number;
  /** called with each complete line of stdout as it arrives (stdout is still returned whole) */
  onStdoutLine?: (line: string) => void;
  /** aborting kills the group and returns at once, like a timeout (without timedOut) */
  signal?: AbortSignal;
}

export interface ChildResult {
  stdout: string;
  stderr: string;
  /** exit code, when the child exited by itself */
  exitCode?: number;
  /** the signal that ended it (SIGKILL after a timeout) */
  signal?: NodeJS.Signals;
  timedOut: boolean;
  /** the output passed maxBuffer and the group was killed */
  overflowed: boolean;
  /** the child could not start: ENOENT, EACCES, ENOEXEC ... */
  spawnError?: string;
  ms: number;
}

/** Process groups of the children now running (their leaders' pids). */
const liveGroups = new Set<number>();
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone
  }
}

function onTerminatingSignal(signal: NodeJS.Signals): void {
  for (const pid of liveGroups) killGroup(pid);
  liveGroups.clear();
  process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
}

/**
 * Children being started or running. The handlers go on before the spawn: the child can run (and be
 * seen running) before spawn() returns, and a Ctrl-C then would find Node's default action, which
 * ends tfdoctor and leaves the new group behind. A signal that arrives mid-spawn waits for the event
 * loop, by which time the child's group is tracked.
 */
let children = 0;

function enter(): void {
  if (children++ === 0) for (const s of forwarded) process.on(s, onTerminatingSignal);
}

function leave(): void {
  if (--children === 0) for (const s of forwarded) process.off(s, onTerminatingSignal);
}

/** Runs `file args` in its own process group; resolves (never rejects) when it is done or its time is up. */
export function runChild(file: string, args: readonly string[], opts: ChildOptions): Promise<ChildResult> {
  const started = performance.now();
  const maxBuffer = opts.maxBuffer ?? 256 * 1024 * 1024;
  const env = opts.extendEnv === false ? opts.env : { ...process.env, ...opts.env };
  return new Promise((resolvePromise) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let partial = '';
    const decoder = new StringDecoder('utf8');
    let errBytes = 0;
    let timedOut = false;
    let overflowed = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    enter();
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, {
        detached: true,
        stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        ...(env ? { env } : {}),
        ...(opts.cwd ? { cwd: opts.cwd } : {}),
      });
    } catch (e) {
      leave();
      throw e;
    }
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);

    const finish = (extra: Partial<ChildResult>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (pid !== undefined) {
        // leftovers of the group (a background grandchild) go too; then nothing can hold our pipes
        killGroup(pid);
        liveGroups.delete(pid);
      }
      leave();
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
      resolvePromise({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        overflowed,
        ms: performance.now() - started,
        ...extra,
      });
    };
    const stopEarly = () => {
      if (pid !== undefined) killGroup(pid);
      // return now: do not wait for the pipes to close (a process outside the group may hold them)
      finish({ signal: 'SIGKILL' });
    };

    child.stdout!.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > maxBuffer) { overflowed = true; stopEarly(); return; }
      out.push(b);
      if (opts.onStdoutLine) {
        const lines = (partial + decoder.write(b)).split('\n');
        partial = lines.pop()!;
        for (const line of lines) opts.onStdoutLine(line);
      }
    });
    child.stderr!.on('data', (b: Buffer) => {
      errBytes += b.length;
      if (errBytes > maxBuffer) { overflowed = true; stopEarly(); } else err.push(b);
    });
    child.on('error', (e: NodeJS.ErrnoException) => finish({ spawnError: e.code ?? e.message }));
    // 'close' waits for the pipes too: the answer is complete only then
    child.on('close', (code, signal) => finish({
      ...(code !== null ? { exitCode: code } : {}),
      ...(signal ? { signal } : {}),
    }));
    // the leader exited but something it left behind still holds the pipes: it dies with the group
    child.on('exit', () => { if (pid !== undefined) setTimeout(() => { if (!settled) killGroup(pid); }, 50).unref(); });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => { /* the child need not read it all */ });
      child.stdin!.end(opts.input);
    }
    timer = setTimeout(() => { timedOut = true; stopEarly(); }, opts.timeoutMs);
    if (opts.signal?.aborted) stopEarly();
    else opts.signal?.addEventListener('abort', stopEarly, { once: true });
  });
}

/**
 * A timeout from an environment variable in seconds (e.g. TFDOCTOR_PROBE_TIMEOUT=5), else the default.
 * Lets a user with a slow file system wait longer, and tests wait less.
 */
export function timeoutFromEnv(name: string, defaultMs: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name];
  if (text === undefined || text === '') return defaultMs;
  const seconds = Number(text);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UserError(`${name}=${text}: expected a positive number of seconds`);
  return Math.round(seconds * 1000);
}

/** "20 s", "0.5 s": a timeout for messages. */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
