// Proves the model check against the real onnx-tf 1.10.0 (the `legacy` venv, TF 2.15.1): fresh torch
// 2.13.0 exports (the `tools` venv) of the fixture models, each judged by tfdoctor and then converted by
// onnx-tf's prepare(...).export_graph(...). What tfdoctor names first is what onnx-tf trips on:
// - ONNX_TF_INPUT_NAME_KEYERROR: the TorchScript exporter's default input name (onnx::Flatten_0) and
//   input.1 end in KeyError before any conversion; input_names=["input"], or the fact's rename fix, converts;
// - MODEL_OP_GAP: ReduceMean-18 stops onnx-tf ("ReduceMean version 18 is not implemented."); the export at
//   the opset the check names as closing it (17) converts; LayerNormalization-17 has no covering opset, and
//   the export below its first version (16), where torch writes it with other ops, converts.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error untyped ESM helper
import { ensureVenv } from '../../scripts/venvs.mjs';
import { checkModel, loadModelSpec, modelBlockers, readModelOps, type ModelCheck } from '../../src/model/index.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const exportScript = join(repo, 'scripts', 'models', 'export_model_fixtures.py');
const onnxTfScript = join(repo, 'scripts', 'optables', 'onnx_tf_export.py');

interface OnnxTfResult { model: string; ok: boolean; error_type: string | null; message: string | null; saved_model: boolean }

let dir: string;
let versions: { onnx: string; onnx_tf: string };
const results = new Map<string, OnnxTfResult>();
const checks = new Map<string, ModelCheck>();

const FILES = [
  'flatten.opset12.onnx', 'flatten.input-1.opset12.onnx', 'flatten.named.opset12.onnx', 'flatten.renamed.opset12.onnx',
  'mean-head.opset18.onnx', 'mean-head.opset17.onnx', 'mean-head.opset12.onnx',
  'layer-norm.opset17.onnx', 'layer-norm.opset16.onnx',
];

beforeAll(() => {
  const tools = ensureVenv('tools').python as string;
  const legacy = ensureVenv('legacy').python as string;
  dir = mkdtempSync(join(tmpdir(), 'tfd-model-check-'));
  const run = (python: string, args: string[]) => execFileSync(python, args, { cwd: dir, encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'] });
  run(tools, [exportScript, dir]);
  run(tools, [exportScript, '--variants', dir]);
  // the fact's own rename fix, run as written (with the legacy venv's onnx) on a copy of the default export
  const spec = loadModelSpec();
  const rename = spec.facts.find((f) => f.code === 'ONNX_TF_INPUT_NAME_KEYERROR')!.fixes.find((f) => f.kind === 'rename-inputs')!;
  const renamedDir = join(dir, 'renamed');
  mkdirSync(renamedDir);
  cpSync(join(dir, 'flatten.opset12.onnx'), join(renamedDir, 'model.onnx'));
  execFileSync('sh', ['-c', rename.command.replace(/^python /, `"${legacy}" `)], { cwd: renamedDir, timeout: 120_000 });
  cpSync(join(renamedDir, 'model.onnx'), join(dir, 'flatten.renamed.opset12.onnx'));
  const out = run(legacy, [onnxTfScript, ...FILES.flatMap((f) => [join(dir, f), join(dir, `${f}.saved_model`)])]);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  versions = lines[0] as typeof versions;
  for (const r of lines.slice(1) as unknown as OnnxTfResult[]) results.set(r.model.split('/').pop()!, r);
}, 1_800_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function judged(file: string): Promise<ModelCheck> {
  let c = checks.get(file);
  if (!c) {
    c = await checkModel(readModelOps(join(dir, file)), loadModelSpec(), { routes: ['onnx-tf'], onnxTf: versions.onnx_tf, onnx: versions.onnx, patches: [], candidates: [] });
    checks.set(file, c);
  }
  return c;
}

describe('the model check against the real onnx-tf 1.10.0', () => {
  it('runs onnx-tf 1.10.0 under onnx 1.16.2', () => {
    expect(versions).toEqual({ onnx: '1.16.2', onnx_tf: '1.10.0' });
    expect(results.size).toBe(FILES.length);
  });

  it('ONNX_TF_INPUT_NAME_KEYERROR', async () => {
    // torch 2.13's TorchScript exporter names the input after its first consumer
    expect(readModelOps(join(dir, 'flatten.opset12.onnx')).inputs).toEqual(['onnx::Flatten_0']);
    for (const [file, name] of [['flatten.opset12.onnx', 'onnx::Flatten_0'], ['flatten.input-1.opset12.onnx', 'input.1']] as const) {
      const c = await judged(file);
      expect(c.routes[0]!.status, file).toBe('covered');
      expect(c.findings.map((f) => [f.code, f.args.input]), file).toEqual([['ONNX_TF_INPUT_NAME_KEYERROR', name]]);
      const r = results.get(file)!;
      expect(r.ok, file).toBe(false);
      // raised inside the traced tf.function, so autograph re-raises it as its own KeyError subclass
      expect(r.error_type, file).toMatch(/\.KeyError$/);
      expect(r.message, file).toContain(`KeyError: '${name}'`);
    }
    for (const file of ['flatten.named.opset12.onnx', 'flatten.renamed.opset12.onnx']) {
      expect((await judged(file)).findings, file).toEqual([]);
      expect(results.get(file)!, file).toMatchObject({ ok: true, saved_model: true });
    }
  });

  it('MODEL_OP_GAP: the first gap named is where onnx-tf stops, and the closing opset converts', async () => {
    const gap = await judged('mean-head.opset18.onnx');
    const tf = gap.routes[0]!;
    expect(modelBlockers(gap).get('onnx-tf')).toEqual(['MODEL_OP_GAP']);
    expect(tf.firstGap).toMatchObject({ op: 'ReduceMean', version: 18 });
    expect(results.get('mean-head.opset18.onnx')).toMatchObject({ ok: false, error_type: 'onnx.backend.test.runner.BackendIsNotSupposedToImplementIt' });
    expect(results.get('mean-head.opset18.onnx')!.message).toContain('ReduceMean version 18 is not implemented.');
    expect(tf.closingOpset).toBe(17);
    for (const file of ['mean-head.opset17.onnx', 'mean-head.opset12.onnx']) {
      const c = await judged(file);
      expect(c.routes[0]!.status, file).toBe('covered');
      expect(c.findings, file).toEqual([]);
      expect(results.get(file)!, file).toMatchObject({ ok: true, saved_model: true });
    }
  });

  it('MODEL_OP_GAP with no covering opset: below the op\'s first version torch writes it with ops onnx-tf has', async () => {
    const tf = (await judged('layer-norm.opset17.onnx')).routes[0]!;
    expect(tf.firstGap).toMatchObject({ op: 'LayerNormalization', version: 17, closedBy: { opset: null, below: 16 } });
    expect(tf.decomposedOpset).toBe(16);
    expect(results.get('layer-norm.opset17.onnx')).toMatchObject({ ok: false });
    expect(results.get('layer-norm.opset17.onnx')!.message).toContain('LayerNormalization');
    // the check could not judge the opset-16 export before it existed; now it can, and onnx-tf agrees
    expect((await judged('layer-norm.opset16.onnx')).routes[0]!.status).toBe('covered');
    expect(results.get('layer-norm.opset16.onnx')).toMatchObject({ ok: true, saved_model: true });
  });
});
