// Issue #7, "installed for real": per route, the plan `tfdoctor lock` writes for Python 3.11 is installed
// with pip into a fresh venv (cached by the lock file's content: scripts/venvs.mjs ensureVenvFromFile), pip
// freeze must equal the plan's closure, the plan's patches are applied (onnx-tf, on a copy of the venv), and
// FBNet-A goes to a .tflite by the plan's own steps: its export call (run with torch 2.13.0 in the tools venv)
// and its convert call (run in the locked venv). The .tflite runs in ai_edge_litert on the cached input and must
// match PyTorch's output within 1e-4 x max(1, max|y|). Prints, per route: install time, conversion time, op
// count, max error, tolerance.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error - plain ESM helper without types
import { ensureVenv, ensureVenvFromFile } from '../../scripts/venvs.mjs';
// @ts-expect-error - plain ESM helper without types
import { ensureModels } from '../../scripts/models.mjs';
import { readTflite } from '../../src/convert/tflite/read.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mainJs = join(root, 'dist', 'cli', 'main.js');
const scripts = join(root, 'test', 'real-env', 'lock-proof');
const MINUTE = 60_000;

interface Step { kind: string; text: string; clears: string[] }
interface Plan { requested: string[]; closure: { name: string; version: string }[]; steps: Step[]; warnings: { code: string }[] }
interface Venv { dir: string; python: string; built: boolean; seconds: number; buildSeconds: number }
interface Model { input: string; torchOutput: string; weights: string }
interface Comparison { input_shape: number[]; input_nhwc: boolean; output_shape: number[]; torch_shape: number[]; max_abs_err: number | null; max_abs_torch: number }

const norm = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');
/** pip, setuptools and wheel come with the venv itself; everything else must be the plan's. */
const SEEDED = new Set(['pip', 'setuptools', 'wheel']);

/** Runs a child with a timeout that really ends it; returns stdout, or fails the test with stderr's tail. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; what: string }): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 256 << 20,
    timeout: opts.timeoutMs, killSignal: 'SIGKILL',
  });
  const tail = `${(r.stderr ?? '').split('\n').slice(-25).join('\n')}\n${(r.stdout ?? '').split('\n').slice(-10).join('\n')}`;
  expect(r.error, `${opts.what}: ${r.error?.message}`).toBeUndefined();
  expect(r.status, `${opts.what} exited ${r.status}:\n${tail}`).toBe(0);
  return r.stdout;
}
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;

const routes: { route: string; with: string[] }[] = [
  { route: 'onnx-tf', with: [] },
  { route: 'onnx2tf', with: [] },
  { route: 'litert-torch', with: ['torch==2.13.0'] },
];

describe('lock plans installed for real and converting FBNet-A (Python 3.11)', () => {
  let work: string;
  let model: Model;
  /** The tools venv (torch 2.13.0, onnxscript, ai_edge_litert), looked up at each use: a build of the cached envs
   * from another checkout may prune it meanwhile, and ensureVenv then rebuilds it instead of failing with ENOENT. */
  const tools = () => ensureVenv('tools') as Venv;
  /** The ONNX file each distinct export call wrote (one export serves every route with that call). */
  const exports = new Map<string, string>();
  const report: string[] = [];
  /** onnx2tf 1.x's plan warnings and its convert call with the network cut (recorded by the onnx2tf case) */
  let onnx2tfOffline: { warned: string[]; status: number | null; output: string } | undefined;

  beforeAll(() => {
    expect(existsSync(mainJs), `build first (npm run build): ${mainJs} is missing`).toBe(true);
    model = (ensureModels() as { models: Record<string, Model> }).models.fbnet_a!;
    work = mkdtempSync(join(tmpdir(), 'tfdoctor-lock-install-'));
  });
  afterAll(() => {
    if (report.length) process.stderr.write(`[lock-install]\n  ${report.join('\n  ')}\n`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The plan's export call with torch 2.13.0 (tools venv) on the cached FBNet-A weights; the folder holding model.onnx. */
  function exported(call: string): string {
    const known = exports.get(call);
    if (known) return known;
    const dir = mkdtempSync(join(work, 'export-'));
    const r = lastJson<{ rebuilt_diff: number; torch: string; files: string[] }>(run(tools().python,
      [join(scripts, 'plan_call.py'), model.weights, model.input, model.torchOutput, dir, call],
      { timeoutMs: 20 * MINUTE, what: `export ${call}` }));
    expect(r.torch).toMatch(/^2\.13\.0/);
    expect(r.rebuilt_diff).toBe(0); // the rebuilt model is the one whose output the cache holds
    expect(r.files).toContain('model.onnx');
    exports.set(call, dir);
    return dir;
  }

  for (const { route, with: withs } of routes) {
    it(`${route}: lock -> pip install -r -> freeze = closure -> patches -> FBNet-A .tflite matches PyTorch`, () => {
      // 1. the plan
      const lockFile = join(work, `${route}.lock`);
      const lock = JSON.parse(run(process.execPath,
        [mainJs, 'lock', '--route', route, '--python', '3.11', ...withs.flatMap((w) => ['--with', w]), '-o', lockFile, '--json', '-q'],
        { timeoutMs: 30 * MINUTE, what: `lock --route ${route}` })) as { kind: string; plan: Plan };
      expect(lock.kind).toBe('solved');
      const plan = lock.plan;

      // 2. a fresh venv from the written file, cached by its content (pip install -r of its pins)
      const venv = ensureVenvFromFile(`lock-${route}`, lockFile) as Venv;
      const installSeconds = venv.built ? venv.seconds : venv.buildSeconds;

      // 3. pip freeze is exactly the plan's closure
      const frozen = execFileSync(venv.python, ['-m', 'pip', 'freeze', '--all', '--disable-pip-version-check'], { encoding: 'utf8', timeout: 5 * MINUTE })
        .split('\n').filter((l) => l.includes('==')).map((l) => { const [n, v] = l.split('=='); return `${norm(n!)}==${v}`; })
        .filter((l) => !SEEDED.has(l.split('==')[0]!)).sort();
      const closure = plan.closure.map((p) => `${norm(p.name)}==${p.version}`).filter((l) => !SEEDED.has(l.split('==')[0]!)).sort();
      expect(frozen).toEqual(closure);

      // 4. the plan's patches, on a copy (the cached venv stays as pip installed it)
      let python = venv.python;
      let venvDir = venv.dir;
      const planPatches = plan.steps.filter((s) => s.kind === 'patch').map((s) => s.text);
      let extraPatches: string[] = [];
      if (planPatches.length) {
        venvDir = join(work, `${route}-venv`);
        execFileSync('cp', ['-a', venv.dir, venvDir], { timeout: 20 * MINUTE });
        python = join(venvDir, 'bin', 'python');
        run(process.execPath, [mainJs, 'fix', '--venv', venvDir, '--apply-patches', '--yes', '--no-probe'],
          { timeoutMs: 20 * MINUTE, what: 'fix --apply-patches --yes', env: { NO_COLOR: '1' } });
        const status = JSON.parse(run(process.execPath, [mainJs, 'patch', 'status', '--venv', venvDir, '--json'],
          { timeoutMs: 5 * MINUTE, what: 'patch status' })) as { patches: { id: string; state: string }[] };
        const applied = status.patches.filter((p) => p.state === 'applied').map((p) => p.id);
        expect(applied).toEqual(expect.arrayContaining(planPatches));
        // patches `fix` applied beyond the plan's list (the plan, made without a model, cannot see its ops)
        extraPatches = applied.filter((p) => !planPatches.includes(p));
      }
      // check on the installed (and patched) env: the route is viable, nothing blocks it
      const check = JSON.parse(run(process.execPath, [mainJs, 'check', '--venv', venvDir, '--json'],
        { timeoutMs: 10 * MINUTE, what: 'check --venv' })) as { routes: { id: string; viable: boolean; blockers: string[] }[] };
      expect(check.routes.find((r) => r.id === route)).toMatchObject({ viable: true, blockers: [] });
      const env = { PATH: `${join(venvDir, 'bin')}:${process.env.PATH}`, VIRTUAL_ENV: venvDir };

      // 5. the plan's export call (torch 2.13.0) and convert call, in the locked venv
      const convert = plan.steps.find((s) => s.kind === 'convert')!;
      const exportStep = plan.steps.find((s) => s.kind === 'export');
      const dir = join(work, `${route}-convert`);
      mkdirSync(dir);
      if (exportStep) {
        const from = exported(exportStep.text);
        for (const f of readdirSync(from)) copyFileSync(join(from, f), join(dir, f)); // onnx2tf rewrites its input
      }
      // onnx2tf 1.x fetches its sample images from github.com unless they are in the working folder (see the
      // script): the plan warns (ONNX2TF_FETCHES_SAMPLE_DATA), and with the network cut (a proxy on a closed
      // port, so the proof does not depend on this machine's firewall) the convert call fails in that download
      if (route === 'onnx2tf' && plan.requested.some((r) => r.startsWith('onnx2tf==1.'))) {
        const dead = 'http://127.0.0.1:9';
        const cut = spawnSync('sh', ['-c', convert.text], {
          cwd: dir, encoding: 'utf8', timeout: 10 * MINUTE,
          env: { ...process.env, ...env, HTTPS_PROXY: dead, HTTP_PROXY: dead, https_proxy: dead, http_proxy: dead, NO_PROXY: '', no_proxy: '' },
        });
        onnx2tfOffline = { warned: plan.warnings.map((w) => w.code), status: cut.status, output: `${cut.stdout}${cut.stderr}` };
      }
      if (route === 'onnx2tf') run(python, [join(scripts, 'onnx2tf_sample_data.py'), dir], { timeoutMs: 5 * MINUTE, what: 'onnx2tf sample data' });
      const t0 = Date.now();
      if (route === 'litert-torch') {
        run(python, [join(scripts, 'plan_call.py'), model.weights, model.input, model.torchOutput, dir, convert.text],
          { cwd: dir, env, timeoutMs: 30 * MINUTE, what: `convert ${convert.text}` });
      } else {
        run('sh', ['-c', convert.text], { cwd: dir, env, timeoutMs: 30 * MINUTE, what: `convert ${convert.text}` });
      }
      const convertSeconds = (Date.now() - t0) / 1000;
      const tflite = route === 'onnx2tf'
        ? join(dir, 'out_dir', readdirSync(join(dir, 'out_dir')).find((f) => f.endsWith('_float32.tflite'))!)
        : join(dir, 'model.tflite');
      expect(existsSync(tflite), tflite).toBe(true);

      // 6. op count from the flatbuffer, and the numbers against PyTorch
      const ops = readTflite(new Uint8Array(readFileSync(tflite))).operators;
      const hist = Object.entries(ops.reduce<Record<string, number>>((h, o) => ({ ...h, [o.op]: (h[o.op] ?? 0) + 1 }), {}))
        .sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
      const cmp = lastJson<Comparison>(run(tools().python, [join(scripts, 'run_tflite.py'), tflite, model.input, model.torchOutput],
        { timeoutMs: 10 * MINUTE, what: 'run_tflite.py' }));
      expect(cmp.output_shape).toEqual(cmp.torch_shape);
      const tolerance = 1e-4 * Math.max(1, cmp.max_abs_torch);
      const pins = plan.requested.join(' ');
      report.push(`${route}: ${pins}; install ${installSeconds.toFixed(1)} s${venv.built ? '' : ' (cached venv; its build time)'}, `
        + `${plan.closure.length} packages; convert ${convertSeconds.toFixed(1)} s; ${ops.length} ops (${hist}); `
        + `max abs error ${cmp.max_abs_err} <= tolerance ${tolerance.toPrecision(3)} (max |y| ${cmp.max_abs_torch.toPrecision(4)})`
        + `${cmp.input_nhwc ? '; .tflite input NHWC' : ''}${planPatches.length ? `; patches: plan ${planPatches.join(', ')}` : ''}`
        + `${extraPatches.length ? `; beyond the plan: ${extraPatches.join(', ')}` : ''}`);
      process.stderr.write(`[lock-install] ${report.at(-1)}\n`);
      expect(cmp.max_abs_err).not.toBeNull();
      expect(cmp.max_abs_err!).toBeLessThanOrEqual(tolerance);
    });
  }

  // matrix/rules.yaml ONNX2TF_FETCHES_SAMPLE_DATA, from the onnx2tf case above (its plan is onnx2tf 1.29.24 on 3.11)
  it('ONNX2TF_FETCHES_SAMPLE_DATA', () => {
    expect(onnx2tfOffline, 'the onnx2tf case ran with an onnx2tf 1.x plan').toBeDefined();
    expect(onnx2tfOffline!.warned).toContain('ONNX2TF_FETCHES_SAMPLE_DATA');
    expect(onnx2tfOffline!.status).not.toBe(0);
    expect(onnx2tfOffline!.output).toContain('download_test_image_data');
  });
});
