// The plan's export and op-version patch steps, from lock.yaml's export data and (with --model) the model's
// own gaps. The solver runs for real on the legacy stack that test/real-env/envs/legacy.txt installs (each
// package one candidate, so the real matrix and patch catalogue decide the steps); the models are real torch
// 2.13.0 exports (test/fixtures/model/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExportGapPredictor } from '../../src/diagnose/predictor.js';
import { parsePlatform } from '../../src/env/target.js';
import { planSteps, type LockDeps, type LockRequest } from '../../src/lock/plan.js';
import { lockPatches, matrixEvaluator } from '../../src/lock/run.js';
import { solve, type Domain, type SolveSuccess } from '../../src/lock/solve.js';
import { loadLockSpecs, parseLockSpecs } from '../../src/lock/spec.js';
import type { ResolvedPackage, Target } from '../../src/lock/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { loadModelSpec, readModelOps } from '../../src/model/index.js';
import { loadCatalogue } from '../../src/patch/catalogue.js';

const fixture = (name: string) => join(__dirname, '..', 'fixtures', 'model', name);
const target: Target = { python: '3.11', platform: parsePlatform('linux-x86_64') };
const LEGACY: Record<string, string> = {
  'onnx-tf': '1.10.0', tensorflow: '2.15.1', keras: '2.15.0', 'tensorflow-addons': '0.23.0', 'tensorflow-probability': '0.23.0',
  onnx: '1.16.2', numpy: '1.26.4',
};

async function setup(opts: { torch?: string; allowPatches: boolean; model?: string }) {
  const [matrix, specs, catalogue, predictor] = await Promise.all([loadMatrix(), loadLockSpecs(), loadCatalogue(), loadExportGapPredictor()]);
  const spec = specs.find((s) => s.route === 'onnx-tf')!;
  const pins = { ...LEGACY, ...(opts.torch ? { torch: opts.torch } : {}) };
  const packages = [...spec.packages, ...(opts.torch ? [{ name: 'torch', optional: false, extras: [] }] : [])];
  const domains: Domain[] = packages.map((p) => ({
    spec: p, rejected: [],
    candidates: pins[p.name] ? [{ version: pins[p.name]!, requiresDist: [], requiresPython: '', extras: [] }] : [],
  }));
  const deps: LockDeps = {
    matrix, specs, facts: undefined as never, filter: () => ({ ok: true }), evaluate: matrixEvaluator(catalogue, predictor),
    patches: lockPatches(catalogue), modelSpec: loadModelSpec(),
    referee: () => { throw new Error('not used'); },
  };
  const result = await solve({
    route: spec, target, domains, matrix, patches: deps.patches, allowPatches: opts.allowPatches,
    evaluate: (snap, ids, only) => deps.evaluate(matrix, snap, ids, only),
  });
  expect(result.ok).toBe(true);
  const closure: ResolvedPackage[] = Object.entries(pins).map(([name, version]) => ({
    name, displayName: name, version, requested: true, requiresDist: [], requiresPython: '', url: '', via: [],
  } as unknown as ResolvedPackage));
  const req: LockRequest = { route: 'onnx-tf', target, with: [], allowPatches: opts.allowPatches, ...(opts.model ? { model: readModelOps(fixture(opts.model)) } : {}) };
  return { ...(await planSteps(req, spec, result as SolveSuccess, closure, deps)), result: result as SolveSuccess, matrix };
}

const at = (opset: number) => `torch.onnx.export(model, args, "model.onnx", dynamo=False, opset_version=${opset}, input_names=["input"], output_names=["output"])`;
const kinds = (steps: { kind: string; text: string }[]) => steps.filter((s) => s.kind !== 'convert').map((s) => `${s.kind} ${s.text}`);

describe('plan steps without a model (lock.yaml export data)', () => {
  it('no torch in the plan, patches allowed: the same export call the hard-coded fallback gave (opset 12, the rule\'s own fix)', async () => {
    const { steps, matrix } = await setup({ allowPatches: true });
    const ruleFix = matrix.rules.find((r) => r.code === 'ONNX_TF_OP_VERSION_GAP')!.fixes.find((f) => f.kind === 'export-option')!.command;
    expect(at(12)).toBe(ruleFix);
    expect(steps.filter((s) => s.kind !== 'convert')).toEqual([{ kind: 'export', text: ruleFix, clears: ['ONNX_TF_OP_VERSION_GAP'], opset: 12 }]);
  });

  it('torch 2.13.0 pinned, patches allowed: the reduce patch and the plain call', async () => {
    const { steps } = await setup({ torch: '2.13.0', allowPatches: true });
    expect(kinds(steps)).toEqual(['patch onnx-tf-reduce-opset18', `export ${loadExportCall()}`]);
  });

  it('torch 2.13.0 pinned, --no-patches: the rule\'s export option', async () => {
    const { steps } = await setup({ torch: '2.13.0', allowPatches: false });
    expect(steps.find((s) => s.kind === 'export')).toMatchObject({ text: at(12), clears: ['ONNX_TF_OP_VERSION_GAP'] });
  });
});

function loadExportCall(): string {
  return parseLockSpecs(readFileSync(join(__dirname, '..', '..', 'matrix', 'lock.yaml'), 'utf8'), 'lock.yaml').find((s) => s.route === 'onnx-tf')!.export!.call;
}

describe('plan steps with --model', () => {
  it('ReduceMean-18 with patches allowed: the reduce patch, and the export at the model\'s own opset', async () => {
    const { steps, model } = await setup({ allowPatches: true, model: 'mean-head.opset18.onnx' });
    expect(steps.filter((s) => s.kind !== 'convert')).toEqual([
      { kind: 'patch', text: 'onnx-tf-reduce-opset18', clears: ['MODEL_OP_GAP'] },
      { kind: 'export', text: at(18), clears: [], opset: 18 },
    ]);
    expect(model!.blocked).toBe(false);
    expect(model!.check.routes[0]).toMatchObject({ status: 'covered', counted: ['onnx-tf-reduce-opset18'] });
  });

  it('ReduceMean-18 with --no-patches: export at opset 17', async () => {
    const { steps, model } = await setup({ allowPatches: false, model: 'mean-head.opset18.onnx' });
    expect(steps.filter((s) => s.kind !== 'convert')).toEqual([{ kind: 'export', text: at(17), clears: ['MODEL_OP_GAP'], opset: 17 }]);
    expect(model!.blocked).toBe(false);
  });

  it('torch 2.13.0 pinned and a model already at opset 12: no patch, the export at 12 clears the predicted gap', async () => {
    const { steps, result } = await setup({ torch: '2.13.0', allowPatches: true, model: 'mean-head.opset12.onnx' });
    expect(result.patches.map((p) => p.id)).toEqual(['onnx-tf-reduce-opset18']);
    expect(steps.filter((s) => s.kind !== 'convert')).toEqual([{ kind: 'export', text: at(12), clears: ['ONNX_TF_OP_VERSION_GAP'], opset: 12 }]);
  });

  it('Squeeze-13: no patch closes it, so the export at opset 12 even with patches allowed', async () => {
    const { steps } = await setup({ allowPatches: true, model: 'squeeze-argmax.opset13.onnx' });
    expect(kinds(steps)).toEqual([`export ${at(12)}`]);
  });

  it('the default input name: the export call names the inputs, which clears the fact', async () => {
    const { steps, model } = await setup({ allowPatches: true, model: 'flatten.opset12.onnx' });
    expect(steps.find((s) => s.kind === 'export')).toEqual({ kind: 'export', text: at(12), clears: ['ONNX_TF_INPUT_NAME_KEYERROR'], opset: 12 });
    expect(model!.check.findings.map((f) => f.code)).toEqual(['ONNX_TF_INPUT_NAME_KEYERROR']);
    expect(model!.blocked).toBe(false);
  });

  it('LayerNormalization-17: the export below its first version, with the op named as not judged', async () => {
    const { steps, model } = await setup({ allowPatches: true, model: 'layer-norm.opset17.onnx' });
    expect(steps.find((s) => s.kind === 'export')).toEqual({ kind: 'export', text: at(16), clears: ['MODEL_OP_GAP'], opset: 16, decomposes: ['LayerNormalization'] });
    expect(model!.blocked).toBe(false);
  });
});

describe('lock.yaml export validation', () => {
  const text = readFileSync(join(__dirname, '..', '..', 'matrix', 'lock.yaml'), 'utf8');
  it('names the route for a bad export entry', () => {
    expect(() => parseLockSpecs(text.replace('opset_version={opset}', 'opset_version=12'), 'lock.yaml')).toThrow(/lock\.yaml:\d+: route onnx-tf: export\.at_opset must be a call with \{opset\}/);
    expect(() => parseLockSpecs(text.replace('          patch: onnx-tf-reduce-opset18\n', '').replace(/          opset: 12\n/, ''), 'lock.yaml')).toThrow(/ONNX_TF_OP_VERSION_GAP: say what closes it/);
    expect(() => parseLockSpecs(text.replace('      clears: [ONNX_TF_INPUT_NAME_KEYERROR]', '      clear: [ONNX_TF_INPUT_NAME_KEYERROR]'), 'lock.yaml')).toThrow(/unknown key `clear`/);
  });

  it('every rule, patch and model fact it names exists', async () => {
    const [matrix, catalogue] = await Promise.all([loadMatrix(), loadCatalogue()]);
    const facts = loadModelSpec().facts.map((f) => f.code);
    for (const spec of parseLockSpecs(text, 'lock.yaml')) {
      for (const g of spec.export?.gaps ?? []) {
        expect(matrix.rules.map((r) => r.code)).toContain(g.rule);
        if (g.patch) expect(catalogue.patches.map((p) => p.id)).toContain(g.patch);
      }
      for (const c of spec.export?.clears ?? []) expect(facts).toContain(c);
    }
  });
});
