/**
 * Issue #7's "installed for real" proof, shared by test/real-env/lock-install.test.ts (lock's plans) and
 * test/real-env/fix-install.test.ts (fix's plans on the seed venv): pip freeze against a plan's closure, the
 * plan's patches on a copy of a venv, `check` on the result, the plan's export call (torch 2.13.0, tools venv),
 * the route's convert call, and the .tflite against PyTorch's output in ai_edge_litert.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { readTflite } from '../../src/convert/tflite/read.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const mainJs = join(root, 'dist', 'cli', 'main.js');
export const proofScripts = join(root, 'test', 'real-env', 'lock-proof');
export const MINUTE = 60_000;

export interface Step { kind: string; text: string; clears: string[] }
export interface Venv { dir: string; python: string; built: boolean; seconds: number; buildSeconds: number }
export interface Model { input: string; torchOutput: string; weights: string }
export interface Comparison { input_shape: number[]; input_nhwc: boolean; output_shape: number[]; torch_shape: number[]; max_abs_err: number | null; max_abs_torch: number }

const norm = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');
/** pip, setuptools and wheel come with the venv itself; everything else must be the plan's. */
const SEEDED = new Set(['pip', 'setuptools', 'wheel']);

/** Runs a child with a timeout that really ends it; returns stdout, or fails the test with stderr's tail. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; what: string; exitCodes?: number[] }): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 256 << 20,
    timeout: opts.timeoutMs, killSignal: 'SIGKILL',
  });
  const tail = `${(r.stderr ?? '').split('\n').slice(-25).join('\n')}\n${(r.stdout ?? '').split('\n').slice(-10).join('\n')}`;
  expect(r.error, `${opts.what}: ${r.error?.message}`).toBeUndefined();
  expect(opts.exitCodes ?? [0], `${opts.what} exited ${r.status}:\n${tail}`).toContain(r.status);
  return r.stdout;
}
export const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;

/** `pip freeze --all` of a venv as sorted `name==version`, without what the venv itself seeds. */
export function frozenPins(python: string): string[] {
  return execFileSync(python, ['-m', 'pip', 'freeze', '--all', '--disable-pip-version-check'], { encoding: 'utf8', timeout: 5 * MINUTE })
    .split('\n').filter((l) => l.includes('==')).map((l) => { const [n, v] = l.split('=='); return `${norm(n!)}==${v}`; })
    .filter((l) => !SEEDED.has(l.split('==')[0]!)).sort();
}
/** A plan's closure in the same form as frozenPins. */
export function closurePins(closure: { name: string; version: string }[]): string[] {
  return closure.map((p) => `${norm(p.name)}==${p.version}`).filter((l) => !SEEDED.has(l.split('==')[0]!)).sort();
}

/** Copies the venv at `from` to `to` (the source stays as it was) and applies the catalogue patches there with
 * `fix --apply-patches --yes`; the plan's patches must then all be applied. Returns the copy's python and the
 * patches `fix` applied beyond the plan's list. */
export function patchedCopy(from: string, to: string, planPatches: string[]): { python: string; extraPatches: string[] } {
  execFileSync('cp', ['-a', from, to], { timeout: 20 * MINUTE });
  run(process.execPath, [mainJs, 'fix', '--venv', to, '--apply-patches', '--yes', '--no-probe'],
    { timeoutMs: 20 * MINUTE, what: 'fix --apply-patches --yes', env: { NO_COLOR: '1' } });
  const status = JSON.parse(run(process.execPath, [mainJs, 'patch', 'status', '--venv', to, '--json'],
    { timeoutMs: 5 * MINUTE, what: 'patch status' })) as { patches: { id: string; state: string }[] };
  const applied = status.patches.filter((p) => p.state === 'applied').map((p) => p.id);
  expect(applied).toEqual(expect.arrayContaining(planPatches));
  return { python: join(to, 'bin', 'python'), extraPatches: applied.filter((p) => !planPatches.includes(p)) };
}

export interface CheckDoc {
  routes: { id: string; viable: boolean; blockers: string[] }[];
  findings: { code: string; severity: string; fixes: { kind: string; command: string }[] }[];
  model?: { routes: { route: string; status: string; gaps: unknown[] }[]; supersedes?: string[] };
}
// `--no-cache`: these venvs persist in ~/.cache/tfdoctor/venvs, and the env snapshot cache keys on the package
// version (0.1.0 at every commit), not on the code that made the snapshot: a warm machine could otherwise be answered
// by an older checkout's snapshot where a cold CI probes afresh (the cache itself is check-cache.test.ts's subject)
/** `check --venv [--model]`'s JSON, whether or not it finds errors (exit 0 or 1). */
export function checkEnv(venvDir: string, modelPath?: string): CheckDoc {
  return JSON.parse(run(process.execPath, [mainJs, 'check', '--venv', venvDir, ...(modelPath ? ['--model', modelPath] : []), '--json', '--no-cache'],
    { timeoutMs: 10 * MINUTE, what: 'check --venv', exitCodes: [0, 1] })) as CheckDoc;
}

/** `check --venv`: the route is viable and nothing blocks it. */
export function expectRouteViable(venvDir: string, route: string): void {
  const check = JSON.parse(run(process.execPath, [mainJs, 'check', '--venv', venvDir, '--json', '--no-cache'],
    { timeoutMs: 10 * MINUTE, what: 'check --venv' })) as { routes: { id: string; viable: boolean; blockers: string[] }[] };
  expect(check.routes.find((r) => r.id === route)).toMatchObject({ viable: true, blockers: [] });
}

/** The environment a plan's shell commands run in: the venv's bin first. */
export const venvEnv = (venvDir: string): NodeJS.ProcessEnv => ({ PATH: `${join(venvDir, 'bin')}:${process.env.PATH}`, VIRTUAL_ENV: venvDir });

/** Runs a plan's export call with torch 2.13.0 (the tools venv's python) on the cached FBNet-A weights, once per
 * distinct call; returns the folder holding model.onnx. */
export function exporter(work: string, model: Model, toolsPython: () => string): (call: string) => string {
  const exports = new Map<string, string>();
  return (call) => {
    const known = exports.get(call);
    if (known) return known;
    const dir = mkdtempSync(join(work, 'export-'));
    const r = lastJson<{ rebuilt_diff: number; torch: string; files: string[] }>(run(toolsPython(),
      [join(proofScripts, 'plan_call.py'), model.weights, model.input, model.torchOutput, dir, call],
      { timeoutMs: 20 * MINUTE, what: `export ${call}` }));
    expect(r.torch).toMatch(/^2\.13\.0/);
    expect(r.rebuilt_diff).toBe(0); // the rebuilt model is the one whose output the cache holds
    expect(r.files).toContain('model.onnx');
    exports.set(call, dir);
    return dir;
  };
}

/** A fresh folder `dir` holding the export's files (onnx2tf rewrites its input, so each route gets copies). */
export function convertDir(dir: string, exportDir: string | null): string {
  mkdirSync(dir);
  if (exportDir) for (const f of readdirSync(exportDir)) copyFileSync(join(exportDir, f), join(dir, f));
  return dir;
}

/** The route's convert call in `dir` with the venv's python; returns its seconds and the .tflite it wrote. */
export function convertFbnet(opts: { route: string; convert: string; dir: string; python: string; venvDir: string; model: Model }): { seconds: number; tflite: string } {
  const { route, convert, dir, python, model } = opts;
  const env = venvEnv(opts.venvDir);
  if (route === 'onnx2tf') run(python, [join(proofScripts, 'onnx2tf_sample_data.py'), dir], { timeoutMs: 5 * MINUTE, what: 'onnx2tf sample data' });
  const t0 = Date.now();
  if (route === 'litert-torch') {
    run(python, [join(proofScripts, 'plan_call.py'), model.weights, model.input, model.torchOutput, dir, convert],
      { cwd: dir, env, timeoutMs: 30 * MINUTE, what: `convert ${convert}` });
  } else {
    run('sh', ['-c', convert], { cwd: dir, env, timeoutMs: 30 * MINUTE, what: `convert ${convert}` });
  }
  const seconds = (Date.now() - t0) / 1000;
  const tflite = route === 'onnx2tf'
    ? join(dir, 'out_dir', readdirSync(join(dir, 'out_dir')).find((f) => f.endsWith('_float32.tflite'))!)
    : join(dir, 'model.tflite');
  expect(existsSync(tflite), tflite).toBe(true);
  return { seconds, tflite };
}

/** The .tflite's op count (from the flatbuffer) and its output in ai_edge_litert against PyTorch's. */
export function compareWithTorch(tflite: string, model: Model, toolsPython: string): { ops: number; hist: string; cmp: Comparison; tolerance: number } {
  const ops = readTflite(new Uint8Array(readFileSync(tflite))).operators;
  const hist = Object.entries(ops.reduce<Record<string, number>>((h, o) => ({ ...h, [o.op]: (h[o.op] ?? 0) + 1 }), {}))
    .sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  const cmp = lastJson<Comparison>(run(toolsPython, [join(proofScripts, 'run_tflite.py'), tflite, model.input, model.torchOutput],
    { timeoutMs: 10 * MINUTE, what: 'run_tflite.py' }));
  expect(cmp.output_shape).toEqual(cmp.torch_shape);
  return { ops: ops.length, hist, cmp, tolerance: 1e-4 * Math.max(1, cmp.max_abs_torch) };
}
