// runProcess: output, exit codes, and a timeout that ends the whole process group at once
// (a child that started its own children leaves none behind).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/lock/pip-run.js';

/** Running (a killed process whose parent is gone may stay a zombie until PID 1 reaps it: state Z is dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('runProcess', () => {
  it('returns both streams and the exit code', async () => {
    const r = await runProcess('sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
  });

  it('says when the program cannot start', async () => {
    const r = await runProcess('/nonexistent/python3.99', [], { timeoutMs: 10_000 });
    expect(r.code).toBeNull();
    expect(r.spawnError).toMatch(/ENOENT/);
  });

  it('on timeout kills the child and its children, and settles at once', async () => {
    const started = Date.now();
    // the shell prints its background child's pid, then waits on it
    const r = await runProcess('sh', ['-c', 'sleep 30 & echo $!; wait'], { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    // measured 504-524 ms (12 runs, load 9-11 on 2 cores); the grandchild would hold the wait for 30 s
    expect(Date.now() - started).toBeLessThan(2_000);
    const grandchild = Number(r.stdout.trim());
    expect(grandchild).toBeGreaterThan(0);
    // SIGKILL is delivered at once; give the kernel a moment to reap
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((res) => setTimeout(res, 20));
    expect(alive(grandchild)).toBe(false);
  });

  it('keeps only the tail of a long output', async () => {
    const r = await runProcess('sh', ['-c', 'seq 1 100000'], { timeoutMs: 10_000, maxOutput: 20 });
    expect(r.stdout.length).toBeLessThanOrEqual(20);
    expect(r.stdout.endsWith('99999\n100000\n')).toBe(true);
  });
});
