// Issue #7, "`fix` on the real seed venv offers both plans ..., each proven as above": the two plans
// `tfdoctor fix --venv <seed> --json` offers for the onnx-tf route are installed for real and convert FBNet-A
// (torch 2.13.0 export with the plan's export call, the route's convert call from matrix/lock.yaml) to a .tflite
// that must match PyTorch within 1e-4 x max(1, max|y|) in ai_edge_litert (test/real-env/install-proof.ts, as
// lock-install.test.ts does for lock's plans).
//   plan 1 (keep TF 2.20, apply the patches) changes no version: its closure must equal the seed venv's pip
//     freeze, so the seed venv is copied (cp -a) and patched there instead of building a twin;
//   plan 2 (pins alone, the older stack) is written with `--plan 2 --write-requirements` and installed with
//     pip into a fresh venv cached by its pins (scripts/venvs.mjs ensureVenvFromFile); pip freeze must equal it.
//     `check` there still predicts torch 2.13's default export (opset 20) to fail in onnx-tf: the plan's export
//     call (TorchScript, opset 12) is its fix; check --model on that call's output finds onnx-tf covers it, and
//     the model's verdict replaces the prediction (the route is viable).
// Prints, per plan: install (or copy) time, conversion time, op count, max error, tolerance.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error - plain ESM helper without types
import { ensureVenv, ensureVenvFromFile } from '../../scripts/venvs.mjs';
// @ts-expect-error - plain ESM helper without types
import { ensureModels } from '../../scripts/models.mjs';
import { loadLockSpecs, type LockRouteSpec } from '../../src/lock/spec.js';
import {
  MINUTE, checkEnv, closurePins, compareWithTorch, convertDir, convertFbnet, expectRouteViable, exporter, frozenPins, mainJs, patchedCopy, run,
  type Model, type Step, type Venv,
} from './install-proof.js';

interface FixPlanDoc {
  route: string; kind: 'patches' | 'pins'; changes: { name: string; from: string | null; to: string | null }[];
  steps: Step[]; requested: string[]; rounds: number; closure: { name: string; version: string }[];
}

/** The requirement lines of a file `fix --write-requirements` wrote, as closurePins writes them. */
const fileLines = (file: string) => readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

describe('fix plans on the real seed venv installed for real and converting FBNet-A (issue 7)', () => {
  let work: string;
  let model: Model;
  let seed: Venv;
  let plans: FixPlanDoc[];
  let onnxTf: LockRouteSpec;
  let exported: (call: string) => string;
  /** the tools venv (torch 2.13.0, ai_edge_litert), looked up at each use as lock-install.test.ts does */
  const tools = () => ensureVenv('tools') as Venv;
  const report: string[] = [];

  beforeAll(async () => {
    expect(existsSync(mainJs), `build first (npm run build): ${mainJs} is missing`).toBe(true);
    model = (ensureModels() as { models: Record<string, Model> }).models.fbnet_a!;
    work = mkdtempSync(join(tmpdir(), 'tfdoctor-fix-install-'));
    exported = exporter(work, model, () => tools().python);
    seed = ensureVenv('seed') as Venv;
    const doc = JSON.parse(run(process.execPath, [mainJs, 'fix', '--venv', seed.dir, '--json'],
      { timeoutMs: 30 * MINUTE, what: 'fix --venv seed --json', env: { NO_COLOR: '1' } })) as { plans: { plans: FixPlanDoc[] } };
    plans = doc.plans.plans;
    expect(plans.map((p) => [p.route, p.kind])).toEqual([['onnx-tf', 'patches'], ['onnx-tf', 'pins']]);
    onnxTf = (await loadLockSpecs()).find((s) => s.route === 'onnx-tf')!;
  });
  afterAll(() => {
    if (report.length) process.stderr.write(`[fix-install]\n  ${report.join('\n  ')}\n`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** `fix --plan N --write-requirements`: the file holds exactly the plan's closure (what pip resolved). */
  function written(n: number, plan: FixPlanDoc): string {
    const file = join(work, `plan${n}.txt`);
    run(process.execPath, [mainJs, 'fix', '--venv', seed.dir, '--plan', String(n), '--write-requirements', file],
      { timeoutMs: 30 * MINUTE, what: `fix --plan ${n} --write-requirements`, env: { NO_COLOR: '1' } });
    expect(fileLines(file).sort()).toEqual(plan.closure.map((c) => `${c.name}==${c.version}`).sort());
    return file;
  }

  /** The plan's export call (or the route's plain call when the plan needs no other), then the route's convert
   * call in the venv, and the .tflite against PyTorch. */
  function convertAndCompare(n: number, plan: FixPlanDoc, python: string, venvDir: string) {
    const exportCall = plan.steps.find((s) => s.kind === 'export')?.text ?? onnxTf.export!.call;
    const dir = convertDir(join(work, `plan${n}-convert`), exported(exportCall));
    const { seconds, tflite } = convertFbnet({ route: 'onnx-tf', convert: onnxTf.convert, dir, python, venvDir, model });
    return { exportCall, convertSeconds: seconds, ...compareWithTorch(tflite, model, tools().python) };
  }

  function record(n: number, plan: FixPlanDoc, install: string, r: ReturnType<typeof convertAndCompare>, extra: string) {
    const changes = plan.changes.map((c) => `${c.name} ${c.from ?? '-'} -> ${c.to ?? 'uninstalled'}`).join(', ') || 'no version changes';
    report.push(`plan ${n} (${plan.kind}): ${changes}; ${install}, ${plan.closure.length} packages; export ${r.exportCall}; `
      + `convert ${r.convertSeconds.toFixed(1)} s; ${r.ops} ops (${r.hist}); max abs error ${r.cmp.max_abs_err} <= tolerance `
      + `${r.tolerance.toPrecision(3)} (max |y| ${r.cmp.max_abs_torch.toPrecision(4)})${extra}`);
    process.stderr.write(`[fix-install] ${report.at(-1)}\n`);
    expect(r.cmp.max_abs_err).not.toBeNull();
    expect(r.cmp.max_abs_err!).toBeLessThanOrEqual(r.tolerance);
  }

  it('plan 1: keep TF 2.20 -> closure = seed freeze -> patches on a copy -> FBNet-A .tflite matches PyTorch', () => {
    const plan = plans[0]!;
    expect(plan.changes).toEqual([]);
    written(1, plan);
    // no version changes: the seed venv is the plan installed, to the last package
    expect(frozenPins(seed.python)).toEqual(closurePins(plan.closure));
    const planPatches = plan.steps.filter((s) => s.kind === 'patch').map((s) => s.text);
    expect(planPatches.length).toBeGreaterThan(0);
    const venvDir = join(work, 'plan1-venv');
    const t0 = Date.now();
    const { python, extraPatches } = patchedCopy(seed.dir, venvDir, planPatches);
    const copySeconds = (Date.now() - t0) / 1000;
    expectRouteViable(venvDir, 'onnx-tf');
    // the copy really runs TF 2.20 with Keras 3 (the stack the plan keeps)
    const versions = execFileSync(python, ['-c', 'import tensorflow as tf, keras; print(tf.__version__, keras.__version__)'],
      { encoding: 'utf8', timeout: 10 * MINUTE }).trim();
    expect(versions).toBe('2.20.0 3.11.3');
    const r = convertAndCompare(1, plan, python, venvDir);
    record(1, plan, `copy of the seed venv + ${planPatches.length} patches ${copySeconds.toFixed(1)} s`, r,
      `; patches: ${planPatches.join(', ')}${extraPatches.length ? `; beyond the plan: ${extraPatches.join(', ')}` : ''}`);
  });

  it('plan 2: the older stack -> pip install -r -> freeze = closure -> FBNet-A .tflite (plan\'s export call) matches PyTorch', () => {
    const plan = plans[1]!;
    expect(plan.steps.filter((s) => s.kind === 'patch')).toEqual([]);
    const file = written(2, plan);
    const venv = ensureVenvFromFile('fix-seed-plan2', file) as Venv;
    const installSeconds = venv.built ? venv.seconds : venv.buildSeconds;
    expect(frozenPins(venv.python)).toEqual(closurePins(plan.closure));
    // check on the installed env: the one thing blocking onnx-tf is torch 2.13's default export (predicted from
    // the installed torch), and its export-option fix is the plan's own export call
    const exportCall = plan.steps.find((s) => s.kind === 'export')!.text;
    const check = checkEnv(venv.dir);
    expect(check.routes.find((r) => r.id === 'onnx-tf')!.blockers).toEqual(['ONNX_TF_OP_VERSION_GAP']);
    expect(check.findings.find((f) => f.code === 'ONNX_TF_OP_VERSION_GAP')!.fixes).toContainEqual(expect.objectContaining({ kind: 'export-option', command: exportCall }));
    // with the model that call writes, the model's own verdict replaces the prediction: onnx-tf covers every op,
    // so nothing blocks the route (the plan lists the gap as cleared by its export call; check agrees)
    const withModel = checkEnv(venv.dir, join(exported(exportCall), 'model.onnx'));
    expect(withModel.model!.routes.find((r) => r.route === 'onnx-tf')).toMatchObject({ status: 'covered', gaps: [] });
    expect(withModel.model!.supersedes).toEqual(['ONNX_TF_OP_VERSION_GAP']);
    expect(withModel.findings.map((f) => f.code)).not.toContain('ONNX_TF_OP_VERSION_GAP');
    expect(withModel.routes.find((r) => r.id === 'onnx-tf')).toMatchObject({ viable: true, blockers: [] });
    expect(plan.steps.find((s) => s.kind === 'export')!.clears).toContain('ONNX_TF_OP_VERSION_GAP');
    const versions = execFileSync(venv.python, ['-c', 'import tensorflow as tf, keras; print(tf.__version__, keras.__version__)'],
      { encoding: 'utf8', timeout: 10 * MINUTE }).trim();
    expect(versions).toBe('2.15.1 2.15.0');
    const r = convertAndCompare(2, plan, venv.python, venv.dir);
    expect(r.exportCall).toMatch(/dynamo=False, opset_version=12/);
    record(2, plan, `pip install -r ${installSeconds.toFixed(1)} s${venv.built ? '' : ' (cached venv; its build time)'}`, r, '');
  });
});
