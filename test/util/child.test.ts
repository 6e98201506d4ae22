// runChild: every child in its own process group; a timeout kills the group and returns at once.
// The launchers are real shell scripts whose background child holds stdout (as a broken pyenv / conda
// shim's does); each writes its pid (its group id: it leads the group) and the background child's pid.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { deepProbe } from '../../src/env/deep-probe.js';
import { runChild, timeoutFromEnv } from '../../src/util/child.js';
import { script, tempDir } from '../env/helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A launcher that starts `sleep 1000` in the background (inheriting stdout) and waits for it. */
function hangingLauncher(dir: string): { path: string; pids: () => { group: number; sleeper: number } } {
  const path = script(dir, 'python', `sleep 1000 &\necho $$ $! > "${dir}/pids"\nwait`);
  return {
    path,
    pids: () => {
      const [group, sleeper] = readFileSync(join(dir, 'pids'), 'utf8').trim().split(' ').map(Number) as [number, number];
      return { group, sleeper };
    },
  };
}

/** Gone: no such process, or a zombie (dead, waiting for its new parent to reap it). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').startsWith('Z');
  } catch {
    return true;
  }
}

function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  // members left: gone only if every one is a zombie
  return readdirPids().filter((p) => pgidOf(p) === pgid).every(gone);
}

function readdirPids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

function pgidOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[2]);
  } catch {
    return undefined;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

describe('runChild', () => {
  it('returns stdout, stderr, the exit code and what it was given on stdin', async () => {
    const dir = tempDir();
    const r = await runChild(script(dir, 'echo', 'cat; echo err >&2; exit 3'), [], { timeoutMs: 10_000, input: 'hello' });
    expect(r).toMatchObject({ stdout: 'hello', stderr: 'err\n', exitCode: 3, timedOut: false });
  });

  it('reports a program that cannot start', async () => {
    const r = await runChild('/nonexistent/python', [], { timeoutMs: 10_000 });
    expect(r.spawnError).toBe('ENOENT');
  });

  it('runs the child as the leader of its own process group', async () => {
    const r = await runChild('/bin/sh', ['-c', 'echo $$ $(ps -o pgid= -p $$)'], { timeoutMs: 10_000 });
    const [pid, pgid] = r.stdout.trim().split(/\s+/).map(Number);
    expect(pgid).toBe(pid);
    expect(pgid).not.toBe(pgidOf(process.pid));
  });

  it('a timeout kills the whole group and returns at once, though a grandchild holds stdout', async () => {
    const dir = tempDir();
    const launcher = hangingLauncher(dir);
    const r = await runChild(launcher.path, [], { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.ms).toBeLessThan(1500);
    const { group, sleeper } = launcher.pids();
    expect(await until(() => gone(sleeper) && groupGone(group), 1000)).toBe(true);
  });

  it('a child that exits leaves nothing behind: its background grandchild dies with the group', async () => {
    const dir = tempDir();
    const path = script(dir, 'daemonish', `sleep 1000 &\necho $! > "${dir}/pid"\necho done`);
    const r = await runChild(path, [], { timeoutMs: 20_000 });
    expect(r).toMatchObject({ stdout: 'done\n', exitCode: 0, timedOut: false });
    expect(r.ms).toBeLessThan(5_000);
    expect(await until(() => gone(Number(readFileSync(join(dir, 'pid'), 'utf8'))), 1000)).toBe(true);
  });

  it('kills the group when the output passes maxBuffer', async () => {
    const r = await runChild('/bin/sh', ['-c', 'yes; sleep 1000'], { timeoutMs: 20_000, maxBuffer: 1 << 20 });
    expect(r).toMatchObject({ overflowed: true, timedOut: false });
  });

  it('reads a timeout in seconds from the environment, and refuses nonsense', () => {
    expect(timeoutFromEnv('T', 20_000, {})).toBe(20_000);
    expect(timeoutFromEnv('T', 20_000, { T: '1.5' })).toBe(1500);
    expect(() => timeoutFromEnv('T', 20_000, { T: 'soon' })).toThrow('T=soon: expected a positive number of seconds');
    expect(() => timeoutFromEnv('T', 20_000, { T: '0' })).toThrow(/positive/);
  });
});

describe('a launcher that hangs in a child', () => {
  it('`check --python <launcher>` returns within the timeout + 1 s, exit 2, and leaves no process behind', async () => {
    const dir = tempDir();
    const launcher = hangingLauncher(dir);
    // what is timed is the wait, not vitest compiling check's modules from source: load them first
    await (await import('../../src/cli/command-table.js')).COMMANDS.find((c) => c.name === 'check')!.load();
    await (await import('../../src/matrix/load.js')).loadMatrix();
    const saved = process.env.TFDOCTOR_PROBE_TIMEOUT;
    process.env.TFDOCTOR_PROBE_TIMEOUT = '1';
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => { errors.push(String(chunk)); return true; }) as typeof process.stderr.write;
    const started = Date.now();
    let code: number;
    try {
      code = await run(['node', 'tfdoctor', 'check', '--python', launcher.path]);
    } finally {
      process.stderr.write = write;
      if (saved === undefined) delete process.env.TFDOCTOR_PROBE_TIMEOUT; else process.env.TFDOCTOR_PROBE_TIMEOUT = saved;
      process.exitCode = undefined;
    }
    const seconds = (Date.now() - started) / 1000;
    expect(code).toBe(2);
    expect(errors.join('')).toContain(`python at ${launcher.path} did not answer within 1 s`);
    expect(seconds).toBeLessThan(1 + 1);
    const { group, sleeper } = launcher.pids();
    expect(await until(() => gone(sleeper) && groupGone(group), 1000)).toBe(true);
  });

  it('--deep: an import whose interpreter hangs in a child times out on its own and leaves nothing behind', async () => {
    const dir = tempDir();
    const launcher = hangingLauncher(dir);
    const started = Date.now();
    const results = await deepProbe(launcher.path, ['onnx'], { timeoutMs: 800, concurrency: 1 });
    expect(results['onnx']).toMatchObject({ ok: false, timedOut: true, error: { type: 'Timeout' } });
    expect(Date.now() - started).toBeLessThan(800 + 1000);
    const { group, sleeper } = launcher.pids();
    expect(await until(() => gone(sleeper) && groupGone(group), 1000)).toBe(true);
  });

  it('Ctrl-C on tfdoctor kills the child groups it started (they are outside the terminal\'s group)', async () => {
    const bin = join(root, 'dist/tfdoctor.mjs');
    if (!existsSync(bin)) throw new Error('dist/tfdoctor.mjs is missing: run `npm run build` first');
    const dir = tempDir();
    const launcher = hangingLauncher(dir);
    const cli = spawn(process.execPath, [bin, 'check', '--python', launcher.path], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
    expect(await until(() => existsSync(join(dir, 'pids')), 10_000)).toBe(true);
    cli.kill('SIGINT');
    expect(await exited).toBe(130);
    const { group, sleeper } = launcher.pids();
    expect(await until(() => gone(sleeper) && groupGone(group), 1000)).toBe(true);
  });
});
