// Proves the torch 2.8 row of matrix/torch-export.yaml against torch 2.8.0 itself (the seed's torch; the
// `torch28` venv: PyPI's CUDA wheel installed --no-deps with the nvidia-* libraries it loads, run on CPU).
// scripts/models/export_fbnet_calls.py exports the seed's FBNet-A, as printed and with a mean head (its
// pool replaced by x.mean((2, 3), keepdim=True)), through several torch.onnx.export calls; onnx-tf 1.10.0
// (the `legacy` venv) then runs export_graph on them, and on the opset-17 export runs the SavedModel too.
// Exports are cached under <cache>/tfdoctor/exports/, keyed by the scripts, the calls and the venv's pins.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error untyped ESM helper
import { cacheRoot, ensureVenv } from '../../scripts/venvs.mjs';
import { onnxTfGaps } from '../../src/optables/coverage.js';
import { predictExportGaps, torchExportRow } from '../../src/optables/exportGaps.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const modelScripts = join(repo, 'scripts', 'models');
const exportScript = join(modelScripts, 'export_fbnet_calls.py');
const onnxTfScript = join(repo, 'scripts', 'optables', 'onnx_tf_export.py');
const THIS_TEST = 'test/real-env/torch-export-28.test.ts';

const named = { input_names: ['input'], output_names: ['output'] };
const CALLS = [
  { id: 'seed-default', head: 'seed', kwargs: {} },
  { id: 'mean-default', head: 'mean', kwargs: {} },
  { id: 'mean-default-named', head: 'mean', kwargs: named },
  { id: 'mean-opset17-named', head: 'mean', kwargs: { opset_version: 17, ...named } },
  { id: 'mean-dynamo', head: 'mean', kwargs: { dynamo: true } },
] as const;
type CallId = (typeof CALLS)[number]['id'];

interface CallReport {
  exporter: 'dynamo' | 'torchscript';
  returned: string;
  opset_imports: Record<string, number>;
  ops: Record<string, number>;
  inputs: [string, (number | string)[]][];
  external_data_files: string[];
  warnings: string[];
  ort_vs_torch_max_abs: number;
  max_abs_output: number;
}
interface ExportReport {
  torch: string;
  source_defaults: Record<string, unknown>;
  calls: Record<CallId, CallReport>;
}
interface OnnxTfResult {
  ok: boolean; error_type: string | null; message: string | null; saved_model: boolean;
  max_abs_error?: number; max_abs_ref?: number;
}

/** The exports, made once per (scripts, calls, venv) and kept in the cache. */
function cachedExports(python: string, venvHash: string): { dir: string; report: ExportReport } {
  const h = createHash('sha256');
  for (const f of ['export_fbnet_calls.py', 'fbnet.py', 'fbnet_structure.py', 'onnx_facts.py', 'structures/fbnet_a.txt']) {
    h.update(readFileSync(join(modelScripts, f))).update('\0');
  }
  const root = join(dirname(cacheRoot()), 'exports');
  const dir = join(root, `fbnet28-${h.update(JSON.stringify(CALLS)).update(venvHash).digest('hex').slice(0, 12)}`);
  if (!existsSync(join(dir, 'report.json'))) {
    // exports made by older scripts, calls or pins are never read again
    for (const e of existsSync(root) ? readdirSync(root) : []) {
      if (/^fbnet28-[0-9a-f]{12}$/.test(e) && join(root, e) !== dir) rmSync(join(root, e), { recursive: true, force: true });
    }
    mkdirSync(dirname(dir), { recursive: true });
    const tmp = mkdtempSync(`${dir}.tmp-`);
    const started = Date.now();
    const out = execFileSync(python, [exportScript, '--out', tmp, '--calls', JSON.stringify(CALLS)], {
      cwd: modelScripts, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: 900_000,
    });
    writeFileSync(join(tmp, 'report.json'), out);
    process.stderr.write(`[torch-export-28] exported ${CALLS.length} calls in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return { dir, report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ExportReport };
}

/** op_type -> since_version, from the report's `Op-since` counts. */
const opVersions = (r: CallReport) => Object.fromEntries(Object.keys(r.ops).map((k) => {
  const [op, since] = k.split('-');
  return [op!, Number(since)];
}));
const gapsOf = (r: CallReport, onnx: string) => onnxTfGaps(Object.keys(opVersions(r)), r.opset_imports['ai.onnx']!, onnx);

// Which exports go through onnx-tf, and which are also run as SavedModels against PyTorch's output.
const ONNX_TF: CallId[] = ['seed-default', 'mean-default', 'mean-default-named', 'mean-opset17-named', 'mean-dynamo'];
const RUN_SAVED_MODEL: CallId[] = ['mean-opset17-named'];

let exp: ExportReport;
let legacyOnnx: string;
const onnxTf = {} as Record<CallId, OnnxTfResult>;

beforeAll(() => {
  const torch28 = ensureVenv('torch28');
  process.stderr.write(`[torch-export-28] torch28 venv: ${torch28.built ? 'built' : 'cached'}, build took ${Number(torch28.buildSeconds).toFixed(0)} s\n`);
  const legacy = ensureVenv('legacy');
  const { dir, report } = cachedExports(torch28.python, torch28.hash);
  exp = report;
  const out = mkdtempSync(join(tmpdir(), 'tfdoctor-onnx-tf-28-'));
  try {
    const args = ONNX_TF.flatMap((id) => {
      const head = CALLS.find((c) => c.id === id)!.head;
      const model = join(dir, `${id}.onnx`);
      const io = RUN_SAVED_MODEL.includes(id) ? `=${join(dir, `${head}.input.npy`)},${join(dir, `${head}.torch.npy`)}` : '';
      return [`${model}${io}`, join(out, id)];
    });
    const started = Date.now();
    const lines = execFileSync(legacy.python, [onnxTfScript, ...args], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20, timeout: 1_800_000,
    }).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    legacyOnnx = String(lines[0]!.onnx);
    ONNX_TF.forEach((id, i) => { onnxTf[id] = lines[i + 1] as unknown as OnnxTfResult; });
    process.stderr.write(`[torch-export-28] onnx-tf ran ${ONNX_TF.length} models in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    for (const id of ONNX_TF) {
      const r = onnxTf[id];
      process.stderr.write(`[torch-export-28]   ${id}: ${r.ok ? 'ok' : `${r.error_type}: ${(r.message ?? '').trim().split('\n').at(-1)}`}\n`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

describe('torch 2.8.0: what torch.onnx.export(model, args, f) really does', () => {
  it('its own source: export(dynamo=False, opset_version=None), ONNX_DEFAULT_OPSET 18, TorchScript max 20', () => {
    expect(exp.torch).toBe('2.8.0+cu128');
    expect(exp.source_defaults).toMatchObject({
      dynamo: false, opset_version: null, ONNX_DEFAULT_OPSET: 18, ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET: 20,
    });
  });

  it('the default call runs the TorchScript exporter and writes opset 18, weights inline, input "input.1"', () => {
    for (const id of ['seed-default', 'mean-default'] as const) {
      const r = exp.calls[id];
      expect({ exporter: r.exporter, returned: r.returned, opset: r.opset_imports['ai.onnx'], external: r.external_data_files }, id)
        .toEqual({ exporter: 'torchscript', returned: 'NoneType', opset: 18, external: [] });
      expect(r.inputs.map(([name]) => name), id).toEqual(['input.1']);
      expect(r.warnings.join('\n'), id).toMatch(/legacy TorchScript-based ONNX export\. Starting in PyTorch 2\.9, the new torch\.export-based ONNX exporter will be the default/);
    }
  });

  it('with a mean head the default export holds ReduceMean-18; the seed\'s own pool head GlobalAveragePool-1', () => {
    expect(opVersions(exp.calls['mean-default'])).toMatchObject({ ReduceMean: 18 });
    expect(opVersions(exp.calls['seed-default'])).toMatchObject({ GlobalAveragePool: 1 });
    expect(opVersions(exp.calls['seed-default']).ReduceMean).toBeUndefined();
  });

  it('opset_version=17 keeps TorchScript and gives ReduceMean-13 (axes as an attribute)', () => {
    const r = exp.calls['mean-opset17-named'];
    expect({ exporter: r.exporter, opset: r.opset_imports['ai.onnx'] }).toEqual({ exporter: 'torchscript', opset: 17 });
    expect(opVersions(r)).toMatchObject({ ReduceMean: 13 });
  });

  it('dynamo=True runs the torch.export-based exporter, also at opset 18: ReduceMean-18, weights in .onnx.data', () => {
    const r = exp.calls['mean-dynamo'];
    expect({ exporter: r.exporter, returned: r.returned, opset: r.opset_imports['ai.onnx'] })
      .toEqual({ exporter: 'dynamo', returned: 'ONNXProgram', opset: 18 });
    expect(opVersions(r)).toMatchObject({ ReduceMean: 18 });
    expect(r.external_data_files).toEqual(['mean-dynamo.onnx.data']);
    expect(r.inputs.map(([name]) => name)).toEqual(['x']);
  });

  it('every export computes what PyTorch computes (onnxruntime, 1e-4 x max(1, max|y|))', () => {
    for (const [id, r] of Object.entries(exp.calls)) {
      expect(r.max_abs_output, id).toBeGreaterThan(0.1);
      expect(r.ort_vs_torch_max_abs, id).toBeLessThanOrEqual(1e-4 * Math.max(1, r.max_abs_output));
    }
  });
});

describe('matrix/torch-export.yaml agrees with torch 2.8.0', () => {
  it('the >=2.8,<2.9 row: TorchScript at opset 18, proven by this test', () => {
    const row = torchExportRow(exp.torch)!;
    const real = exp.calls['mean-default'];
    expect({ exporter: row.exporter, opset: row.opset }).toEqual({ exporter: real.exporter, opset: real.opset_imports['ai.onnx'] });
    expect(row.provenBy).toBe(THIS_TEST);
  });

  it('predictExportGaps from the torch version alone names exactly the gaps of the real export', () => {
    const p = predictExportGaps(exp.torch, legacyOnnx)!;
    expect(p.unproven).toBeUndefined();
    expect(p.unsupported).toEqual(gapsOf(exp.calls['mean-default'], legacyOnnx));
    expect(p.unsupported).toEqual([{ op: 'ReduceMean', version: 18 }]);
  });

  it('the row\'s op types (torch 2.13\'s TorchScript exporter at 18) cover every op torch 2.8 wrote', () => {
    const p = predictExportGaps(exp.torch, legacyOnnx)!;
    for (const id of ['seed-default', 'mean-default'] as const) {
      expect(p.ops, id).toEqual(expect.arrayContaining(Object.keys(opVersions(exp.calls[id]))));
    }
  });
});

describe('onnx-tf 1.10.0 (legacy venv) on torch 2.8.0\'s exports', () => {
  it('the default call: a KeyError on the input name "input.1" before any op', () => {
    for (const id of ['seed-default', 'mean-default'] as const) {
      expect(onnxTf[id], id).toMatchObject({ ok: false, saved_model: false });
      expect(onnxTf[id].error_type, id).toMatch(/KeyError$/);
      expect(onnxTf[id].message, id).toMatch(/input\.1/);
    }
  });

  it('the default call with named inputs: BackendIsNotSupposedToImplementIt, ReduceMean version 18 (the seed\'s failure 1)', () => {
    const r = onnxTf['mean-default-named'];
    expect(r).toMatchObject({ ok: false, error_type: 'onnx.backend.test.runner.BackendIsNotSupposedToImplementIt' });
    expect(r.message).toMatch(/ReduceMean version 18 is not implemented\./);
  });

  it('dynamo=True fails on the same ReduceMean-18', () => {
    expect(onnxTf['mean-dynamo'].ok).toBe(false);
    expect(onnxTf['mean-dynamo'].message).toMatch(/ReduceMean version 18 is not implemented\./);
  });

  it('opset_version=17 with named inputs converts, and the SavedModel computes what PyTorch computes', () => {
    const r = onnxTf['mean-opset17-named'];
    expect(r, r.message ?? '').toMatchObject({ ok: true, saved_model: true });
    expect(r.max_abs_ref).toBeGreaterThan(0.1);
    expect(r.max_abs_error).toBeLessThanOrEqual(1e-4 * Math.max(1, r.max_abs_ref!));
  });
});
