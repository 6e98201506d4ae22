// Proves predictExportGaps / onnxTfGaps against reality: torch 2.13.0 (the `tools` venv) really exports
// the seed's FBNet blocks, and onnx-tf 1.10.0 (the `legacy` venv, where it imports) really runs
// prepare(...).export_graph(...) on each export. The prediction holds when: predicted gaps non-empty <=>
// export_graph fails with "<Op> version <N> is not implemented." naming a predicted (op, version).
// Exports are cached under <cache>/tfdoctor/exports/, keyed by the export script, torch version and call.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error untyped ESM helper
import { cacheRoot, ensureVenv } from '../../scripts/venvs.mjs';
// @ts-expect-error untyped ESM helper
import { EXPORT_CONFIGS, exportCnn } from '../../scripts/gen-optables.mjs';
// @ts-expect-error untyped ESM helper
import { ensureModels } from '../../scripts/models.mjs';
import { onnxTfGaps, type OpVersion } from '../../src/optables/coverage.js';
import { predictExportGaps } from '../../src/optables/exportGaps.js';
import { torchExportOps } from '../../src/optables/tables.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const exportScript = join(repo, 'scripts', 'optables', 'export_cnn.py');
const onnxTfScript = join(repo, 'scripts', 'optables', 'onnx_tf_export.py');

interface ExportReport {
  torch: string;
  exporter: 'dynamo' | 'torchscript';
  opset_imports: Record<string, number>;
  ir_version: number;
  ops: { op: string; since_version: number }[];
  external_data_locations: string[];
  files: string[];
  source_defaults: Record<string, unknown>;
  warnings: string[];
}
interface Exported { dir: string; model: string; report: ExportReport }
interface OnnxTfResult { model: string; ok: boolean; error_type: string | null; message: string | null; saved_model: boolean }

/** Exports (or takes from the cache) the FBNet-like CNN with torch.onnx.export(**kwargs). */
const exportsRoot = () => join(dirname(cacheRoot()), 'exports');
const scriptKey = () => createHash('sha256').update(readFileSync(exportScript)).digest('hex').slice(0, 12);

/** Removes cached exports made by an older export_cnn.py. */
function pruneStaleExports() {
  if (!existsSync(exportsRoot())) return;
  for (const e of readdirSync(exportsRoot())) {
    if (e.startsWith('cnn-') && !e.startsWith(`cnn-${scriptKey()}-`)) rmSync(join(exportsRoot(), e), { recursive: true, force: true });
  }
}

function cachedExport(python: string, torchVersion: string, kwargs: Record<string, unknown>): Exported {
  const key = createHash('sha256').update(torchVersion).update('\0').update(JSON.stringify(kwargs)).digest('hex').slice(0, 12);
  const dir = join(exportsRoot(), `cnn-${scriptKey()}-${key}`);
  if (!existsSync(join(dir, 'report.json'))) {
    mkdirSync(dirname(dir), { recursive: true });
    const tmp = mkdtempSync(`${dir}.tmp-`);
    const report = exportCnn(python, kwargs, tmp) as ExportReport;
    writeFileSync(join(tmp, 'report.json'), JSON.stringify(report));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return { dir, model: join(dir, 'model.onnx'), report: JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ExportReport };
}

const NOT_IMPLEMENTED = /(\w+) version (\d+) is not implemented\./;

/** The prediction equals reality: see the header comment. */
function expectAgreement(predicted: OpVersion[], real: OnnxTfResult) {
  const m = NOT_IMPLEMENTED.exec(real.message ?? '');
  if (predicted.length > 0) {
    expect(real.ok, real.message ?? '').toBe(false);
    expect(m, real.message ?? '').not.toBeNull();
    expect(predicted).toContainEqual({ op: m![1], version: Number(m![2]) });
  } else {
    expect(m, real.message ?? '').toBeNull();
  }
}

const SCENARIOS = {
  default: {},
  'dynamo-18': { dynamo: true, opset_version: 18 },
  'dynamo-23': { dynamo: true, opset_version: 23 },
  'torchscript-13': { dynamo: false, opset_version: 13 },
  'torchscript-13-named': { dynamo: false, opset_version: 13, input_names: ['input'], output_names: ['output'] },
  'torchscript-18-named': { dynamo: false, opset_version: 18, input_names: ['input'], output_names: ['output'] },
} as const;
type ScenarioId = keyof typeof SCENARIOS;

// The seed's own models (scripts/models.mjs: FBNet-A/B built from shared/seed/fbnet_{a,b}.txt, exported
// by torch 2.13.0), run through onnx-tf too.
const SEED_MODELS = [['fbnet_a', 'dynamo'], ['fbnet_b', 'dynamo'], ['fbnet_a', 'legacy13']] as const;
interface SeedExportFacts { opset_imports: Record<string, number>; ops: Record<string, number> }
const seedFacts = {} as Record<string, SeedExportFacts>;
const seedReal = {} as Record<string, OnnxTfResult>;

let torchVersion: string;
let legacyOnnx: string;
const exported = {} as Record<ScenarioId, Exported>;
const real = {} as Record<ScenarioId, OnnxTfResult>;

beforeAll(() => {
  const tools = ensureVenv('tools');
  const legacy = ensureVenv('legacy');
  pruneStaleExports();
  torchVersion = execFileSync(tools.python, ['-c', 'import importlib.metadata as m; print(m.version("torch"))'], { encoding: 'utf8' }).trim();
  for (const [id, kwargs] of Object.entries(SCENARIOS)) exported[id as ScenarioId] = cachedExport(tools.python, torchVersion, kwargs);
  const out = mkdtempSync(join(tmpdir(), 'tfdoctor-onnx-tf-'));
  try {
    const ids = Object.keys(SCENARIOS) as ScenarioId[];
    const models = ensureModels() as { facts: { models: Record<string, { exports: Record<string, SeedExportFacts> }> }; models: Record<string, { exports: Record<string, string> }> };
    const seedIds = SEED_MODELS.map(([m, v]) => `${m}.${v}`);
    SEED_MODELS.forEach(([m, v]) => { seedFacts[`${m}.${v}`] = models.facts.models[m]!.exports[v]!; });
    const args = [
      ...ids.flatMap((id) => [exported[id].model, join(out, id)]),
      ...SEED_MODELS.flatMap(([m, v], i) => [models.models[m]!.exports[v]!, join(out, seedIds[i]!)]),
    ];
    const started = Date.now();
    const lines = execFileSync(legacy.python, [onnxTfScript, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 })
      .trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    process.stderr.write(`[export-gaps] onnx-tf ran ${ids.length + seedIds.length} models in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    legacyOnnx = String(lines[0]!.onnx);
    ids.forEach((id, i) => { real[id] = lines[i + 1] as unknown as OnnxTfResult; });
    seedIds.forEach((id, i) => { seedReal[id] = lines[ids.length + i + 1] as unknown as OnnxTfResult; });
    for (const [id, r] of [...Object.entries(real), ...Object.entries(seedReal)]) {
      const why = r.ok ? 'ok' : `${r.error_type}: ${(NOT_IMPLEMENTED.exec(r.message ?? '')?.[0] ?? r.message ?? '').trim().split('\n').at(-1)}`;
      process.stderr.write(`[export-gaps]   ${id}: ${why}\n`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

describe('torch 2.13.0 default torch.onnx.export(model, args, f)', () => {
  it('is the dynamo exporter at opset 20 with weights in model.onnx.data', () => {
    const r = exported.default.report;
    expect(torchVersion).toMatch(/^2\.13\.0/);
    expect(r.exporter).toBe('dynamo');
    expect(r.opset_imports['']).toBe(20);
    expect(r.external_data_locations).toEqual(['model.onnx.data']);
    expect(r.files).toEqual(['model.onnx', 'model.onnx.data']);
  });

  it('matches torch\'s own source: export(dynamo=True, opset_version=None, external_data=True), ONNX_DEFAULT_OPSET 20', () => {
    expect(exported.default.report.source_defaults).toMatchObject({
      dynamo: true, opset_version: null, external_data: true, ONNX_DEFAULT_OPSET: exported.default.report.opset_imports[''],
    });
  });

  it('dynamo=False warns that the torch.export-based exporter is the default since 2.9', () => {
    expect(exported['torchscript-13'].report.warnings.join('\n'))
      .toMatch(/Starting in PyTorch 2\.9, the new torch\.export-based ONNX exporter has become the default/);
  });

  it('agrees with the proven row of matrix/torch-export.yaml', () => {
    const p = predictExportGaps(torchVersion, legacyOnnx)!;
    expect(p).toMatchObject({ exporter: exported.default.report.exporter, opset: exported.default.report.opset_imports[''], externalData: true });
    expect(p.unproven).toBeUndefined();
  });

  it('emits exactly the op types committed in torch-export-ops.json, for every generator config', () => {
    const tools = ensureVenv('tools');
    const committed = torchExportOps();
    expect(committed.source.version).toBe(torchVersion);
    for (const cfg of EXPORT_CONFIGS as { id: string; kwargs: Record<string, unknown> }[]) {
      const e = cachedExport(tools.python, torchVersion, cfg.kwargs);
      const c = committed.exports[cfg.id]!;
      expect({ exporter: e.report.exporter, opset: e.report.opset_imports[''], ops: e.report.ops.map((o) => o.op), external: e.report.external_data_locations.length > 0 }, cfg.id)
        .toEqual({ exporter: c.exporter, opset: c.opset, ops: c.ops, external: c.external_data });
    }
  });

  it('resolveSinceVersion agrees with onnx\'s own get_schema on every exported op', async () => {
    const { resolveSinceVersion } = await import('../../src/optables/coverage.js');
    for (const id of Object.keys(SCENARIOS) as ScenarioId[]) {
      const r = exported[id].report;
      for (const o of r.ops) expect(resolveSinceVersion(o.op, r.opset_imports['']!), `${id} ${o.op}`).toBe(o.since_version);
    }
  });
});

describe('onnx-tf 1.10.0 (legacy venv) on the real exports', () => {
  it('the default export: predicted gaps non-empty, and export_graph really fails on one of them', () => {
    const p = predictExportGaps(torchVersion, legacyOnnx)!;
    expect(p.unsupported.length).toBeGreaterThan(0);
    expectAgreement(p.unsupported, real.default);
    // observed with onnx 1.16.2: the first unsupported node in graph order is the channel shuffle's Reshape
    expect(real.default.message).toMatch(/Reshape version 19 is not implemented\./);
  });

  it('dynamo at opset 18: ReduceMean-18, the seed\'s error', () => {
    const predicted = onnxTfGaps(exported['dynamo-18'].report.ops.map((o) => o.op), 18, legacyOnnx);
    expect(predicted).toEqual([{ op: 'ReduceMean', version: 18 }]);
    expectAgreement(predicted, real['dynamo-18']);
  });

  it('dynamo at opset 23, beyond onnx 1.16.2\'s 21: onnx-tf resolves at 21 (Reshape-21)', () => {
    expect(legacyOnnx).toBe('1.16.2');
    const predicted = onnxTfGaps(exported['dynamo-23'].report.ops.map((o) => o.op), 23, legacyOnnx);
    expect(predicted).toContainEqual({ op: 'Reshape', version: 21 });
    expect(predicted).not.toContainEqual(expect.objectContaining({ op: 'Conv' }));
    expectAgreement(predicted, real['dynamo-23']);
    expect(real['dynamo-23'].message).toMatch(/Reshape version 21 is not implemented\./);
  });

  it('TorchScript at opset 13 with named inputs: no gap predicted, and export_graph writes a SavedModel', () => {
    const predicted = onnxTfGaps(exported['torchscript-13-named'].report.ops.map((o) => o.op), 13, legacyOnnx);
    expect(predicted).toEqual([]);
    expectAgreement(predicted, real['torchscript-13-named']);
    expect(real['torchscript-13-named']).toMatchObject({ ok: true, saved_model: true });
  });

  it('TorchScript at opset 13 with its default input name "input.1": no version error, but a KeyError', () => {
    const predicted = onnxTfGaps(exported['torchscript-13'].report.ops.map((o) => o.op), 13, legacyOnnx);
    expect(predicted).toEqual([]);
    expectAgreement(predicted, real['torchscript-13']);
    expect(real['torchscript-13'].ok).toBe(false);
    expect(real['torchscript-13'].error_type).toMatch(/KeyError$/);
    expect(real['torchscript-13'].message).toMatch(/input\.1/);
  });

  it('TorchScript at opset 18 (torch 2.8\'s default call): ReduceMean-18', () => {
    const predicted = onnxTfGaps(exported['torchscript-18-named'].report.ops.map((o) => o.op), 18, legacyOnnx);
    expect(predicted).toEqual([{ op: 'ReduceMean', version: 18 }]);
    expectAgreement(predicted, real['torchscript-18-named']);
  });
});

describe('onnx-tf 1.10.0 (legacy venv) on the seed\'s FBNet-A/B exported by torch 2.13.0', () => {
  const gapsOf = (id: string) => {
    const f = seedFacts[id]!;
    const opset = f.opset_imports['ai.onnx'] ?? f.opset_imports['']!;
    return onnxTfGaps([...new Set(Object.keys(f.ops).map((k) => k.replace(/-\d+$/, '')))], opset, legacyOnnx);
  };

  it.each(['fbnet_a.dynamo', 'fbnet_b.dynamo'])('%s (default call): the prediction from the torch version alone is exactly this model\'s gaps, and onnx-tf fails on one', (id) => {
    const fromTorchVersion = predictExportGaps(torchVersion, legacyOnnx)!.unsupported;
    const fromModel = gapsOf(id);
    const key = (g: OpVersion) => `${g.op}-${g.version}`;
    expect(fromModel.map(key).sort()).toEqual(fromTorchVersion.map(key).sort());
    expectAgreement(fromModel, seedReal[id]!);
  });

  it('fbnet_a.legacy13: no version gap; fails only on the "input.1" input name', () => {
    expect(gapsOf('fbnet_a.legacy13')).toEqual([]);
    expectAgreement([], seedReal['fbnet_a.legacy13']!);
    expect(seedReal['fbnet_a.legacy13']!.message).toMatch(/input\.1/);
  });
});
