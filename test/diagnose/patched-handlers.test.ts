// The op-gap rule judges a patched env itself: handler versions an applied patch adds
// (patches/*.yaml adds_handlers) count as implemented, and gaps they leave still fire.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { loadExportGapPredictor } from '../../src/diagnose/predictor.js';
import type { ExportGapPredictor } from '../../src/diagnose/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import type { Matrix } from '../../src/matrix/types.js';
import { loadCatalogue } from '../../src/patch/catalogue.js';
import type { PatchSpec } from '../../src/patch/types.js';

const LINUX = { system: 'linux', machine: 'x86_64' };
let matrix: Matrix;
let predictor: ExportGapPredictor | null;
let reducePatch: PatchSpec;

beforeAll(async () => {
  matrix = await loadMatrix();
  predictor = await loadExportGapPredictor();
  reducePatch = (await loadCatalogue()).patches.find((p) => p.id === 'onnx-tf-reduce-opset18')!;
});

async function plannedTorch213() {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-gap-'));
  const file = join(dir, 'requirements.txt');
  writeFileSync(file, 'torch==2.13.0\nonnx==1.19.0\nonnx-tf==1.10.0\ntensorflow==2.20.0\n');
  return snapshotFromRequirements(file, { pythonVersion: '3.11', platform: LINUX });
}

const gapFinding = (d: ReturnType<typeof evaluate>) => d.findings.find((f) => f.code === 'ONNX_TF_OP_VERSION_GAP');

describe('ONNX_TF_OP_VERSION_GAP with patched handlers', () => {
  it('the catalogue entry declares exactly the handler versions its diff adds', () => {
    const added = readFileSync(reducePatch.diffPath, 'utf8').split('\n')
      .filter((l) => /^\+\s+def version_\d+\(/.test(l)).map((l) => Number(/version_(\d+)/.exec(l)![1])).sort();
    const declared = Object.values(reducePatch.addsHandlers).flat().sort();
    expect(declared).toEqual(added);
    expect(declared.length).toBeGreaterThan(0);
  });

  it('fires unpatched for torch 2.13 (ReduceMean-18, Reshape-19) and not once the reduce patch is applied', async () => {
    const snap = await plannedTorch213();
    const before = gapFinding(evaluate(matrix, snap, { predictExportGaps: predictor }));
    expect(before?.severity).toBe('error');
    expect(before?.message).toMatch(/ReduceMean-18/);
    expect(before?.message).toMatch(/Reshape-19/);
    const after = evaluate(matrix, snap, {
      predictExportGaps: predictor,
      appliedPatches: [{ id: reducePatch.id, fixes: reducePatch.fixes, addsHandlers: reducePatch.addsHandlers }],
    });
    expect(gapFinding(after)).toBeUndefined();
  });

  it('a patch that closes only part of the gap leaves an error naming what is left', async () => {
    const snap = await plannedTorch213();
    const d = evaluate(matrix, snap, {
      predictExportGaps: predictor,
      appliedPatches: [{ id: reducePatch.id, fixes: reducePatch.fixes, addsHandlers: { ReduceMean: [18] } }],
    });
    const f = gapFinding(d)!;
    expect(f.severity).toBe('error');
    expect(f.fixedByPatch).toBeUndefined();
    expect(f.message).toMatch(/Reshape-19/);
    expect(f.message).not.toMatch(/ReduceMean-18/);
  });
});
