import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import type { EnvSnapshot } from '../../src/env/types.js';
import { evaluate, OP_GAP_UNAVAILABLE } from '../../src/diagnose/evaluate.js';
import { loadExportGapPredictor } from '../../src/diagnose/predictor.js';
import type { ExportGapPredictor } from '../../src/diagnose/types.js';
import { unfilled } from '../../src/diagnose/template.js';
import { loadMatrix } from '../../src/matrix/load.js';
import type { Matrix } from '../../src/matrix/types.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const LINUX = { system: 'linux', machine: 'x86_64' };

let matrix: Matrix;
let predictor: ExportGapPredictor | null;
beforeAll(async () => {
  matrix = await loadMatrix();
  predictor = await loadExportGapPredictor();
});

async function planned(file: string, pythonVersion = '3.11'): Promise<EnvSnapshot> {
  return snapshotFromRequirements(file, { pythonVersion, platform: LINUX });
}

/** error + warning codes (info is route bookkeeping), sorted */
function problems(snap: EnvSnapshot) {
  return evaluate(matrix, snap, { predictExportGaps: predictor }).findings
    .filter((f) => f.severity !== 'info').map((f) => f.code).sort();
}

describe('rules fire on planned envs (requirements files)', () => {
  it.each([
    ['../../../examples/seed-env.txt', '3.10', [
      'ONNX_MAPPING_REMOVED', 'ONNX_TF_OP_VERSION_GAP', 'TFA_KERAS3_ABSTRACT_RNN_CELL', 'TFA_KERAS3_KERAS_SRC_ENGINE',
      'TFA_KERAS3_LAZYADAM_GET_CONFIG', 'TFA_UNSUPPORTED_TF', 'TFA_UNSUPPORTED_TF', 'TF_DISTRIBUTIONS_SHARE_PACKAGE']],
    ['legacy.txt', '3.11', []],
    ['no-tfp.txt', '3.11', ['ONNX_TF_NEEDS_TFP']],
    ['tfp-no-tfkeras.txt', '3.11', ['TFP_NEEDS_TF_KERAS']],
    ['tfp-too-new.txt', '3.11', ['TFP_TF_MISMATCH']],
    ['tfkeras-minor.txt', '3.11', ['TF_KERAS_MINOR_MISMATCH']],
    ['numpy2-old-tf.txt', '3.11', ['NUMPY_OUTSIDE_TF_RANGE']],
    ['protobuf5-old-tf.txt', '3.11', ['PROTOBUF_OUTSIDE_RANGE']],
    ['tfa-py312.txt', '3.12', ['PYTHON_UNSUPPORTED', 'PYTHON_UNSUPPORTED']],
    ['tfa-py312.txt', '3.11', []],
    ['two-keras.txt', '3.11', ['DUPLICATE_IMPORT_PROVIDERS']],
    ['litert-new-torch.txt', '3.11', ['TORCH_OUTSIDE_LITERT_RANGE']],
  ])('%s on Python %s', async (file, py, codes) => {
    expect(problems(await planned(fixture(file), py))).toEqual([...codes].sort());
  });

  it('the seed demo names every seed failure its pins imply, each with a fix', async () => {
    const d = evaluate(matrix, await planned(fixture('../../../examples/seed-env.txt'), '3.10'), { predictExportGaps: predictor });
    const gap = d.findings.find((f) => f.code === 'ONNX_TF_OP_VERSION_GAP')!;
    expect(gap.message).toContain('ReduceMean-18');
    for (const f of d.findings) expect(f.fixes.length).toBeGreaterThan(0);
    expect(d.findings.find((f) => f.code === 'ONNX_MAPPING_REMOVED')!.fixes.map((x) => x.patch ?? x.command))
      .toEqual(['onnx-tf-onnx-mapping', 'pip install "onnx==1.18.0"']);
  });

  it('pins in fixes follow the installed TensorFlow', async () => {
    const d = evaluate(matrix, await planned(fixture('no-tfp.txt')), {});
    expect(d.findings.find((f) => f.code === 'ONNX_TF_NEEDS_TFP')!.fixes[0]!.command).toBe('pip install "tensorflow-probability==0.23.0"');
    const k = evaluate(matrix, await planned(fixture('tfp-no-tfkeras.txt')), {});
    expect(k.findings.find((f) => f.code === 'TFP_NEEDS_TF_KERAS')!.fixes[0]!.command).toBe('pip install "tf-keras==2.20.1"');
  });

  it('every rendered text is fully filled in', async () => {
    for (const file of ['../../../examples/seed-env.txt', 'tfp-too-new.txt', 'numpy2-old-tf.txt', 'protobuf5-old-tf.txt', 'tfa-py312.txt', 'two-keras.txt', 'no-tfp.txt']) {
      const d = evaluate(matrix, await planned(fixture(file), file === 'tfa-py312.txt' ? '3.12' : '3.11'), { predictExportGaps: predictor });
      for (const f of d.findings) {
        for (const text of [f.title, f.message, ...f.fixes.map((x) => x.command), ...f.fixes.map((x) => x.note ?? '')]) {
          expect(unfilled(text), `${f.code}: ${text}`).toEqual([]);
        }
      }
    }
  });
});

describe('env vars', () => {
  it('TF_USE_LEGACY_KERAS=1 removes the tf.keras-is-Keras-3 failures but not keras.src.engine', async () => {
    const snap = await planned(fixture('legacy-keras-env.txt'));
    const before = problems(snap);
    expect(before).toContain('TFA_KERAS3_LAZYADAM_GET_CONFIG');
    const after = problems({ ...snap, envVars: { TF_USE_LEGACY_KERAS: '1' } });
    expect(after).not.toContain('TFA_KERAS3_LAZYADAM_GET_CONFIG');
    expect(after).not.toContain('TFA_KERAS3_ABSTRACT_RNN_CELL');
    expect(after).toContain('TFA_KERAS3_KERAS_SRC_ENGINE');
  });
});

describe('routes', () => {
  it('native is always viable; blocked routes list their blockers', async () => {
    const d = evaluate(matrix, await planned(fixture('../../../examples/seed-env.txt'), '3.10'), { predictExportGaps: predictor });
    expect(d.routes.map((r) => r.id)).toEqual(['onnx-tf', 'onnx2tf', 'litert-torch', 'native']);
    const byId = Object.fromEntries(d.routes.map((r) => [r.id, r]));
    expect(byId['native']!.viable).toBe(true);
    expect(byId['native']!.note).toMatch(/model/);
    expect(byId['onnx-tf']!.viable).toBe(false);
    expect(byId['onnx-tf']!.blockers).toContain('ONNX_MAPPING_REMOVED');
    expect(byId['litert-torch']!.blockers).toEqual(['TF_DISTRIBUTIONS_SHARE_PACKAGE']);
  });

  it('the legacy stack keeps onnx-tf viable', async () => {
    const d = evaluate(matrix, await planned(fixture('legacy.txt')), { predictExportGaps: predictor });
    expect(d.routes.find((r) => r.id === 'onnx-tf')!.viable).toBe(true);
    expect(d.routes.find((r) => r.id === 'onnx2tf')!.blockers).toEqual(['ONNX2TF_NOT_INSTALLED']);
  });
});

describe('applied patches', () => {
  it('a rule whose patch is applied becomes info, says so, and blocks nothing', async () => {
    const snap = await planned(fixture('../../../examples/seed-env.txt'), '3.10');
    const d = evaluate(matrix, snap, { predictExportGaps: predictor, appliedPatches: [{ id: 'onnx-tf-onnx-mapping' }] });
    const f = d.findings.find((x) => x.code === 'ONNX_MAPPING_REMOVED')!;
    expect(f.severity).toBe('info');
    expect(f.fixedByPatch).toBe('onnx-tf-onnx-mapping');
    expect(d.routes.find((r) => r.id === 'onnx-tf')!.blockers).not.toContain('ONNX_MAPPING_REMOVED');
  });

  it('a patch that names the codes it fixes suppresses them', async () => {
    const snap = await planned(fixture('../../../examples/seed-env.txt'), '3.10');
    const d = evaluate(matrix, snap, { appliedPatches: [{ id: 'some-patch', fixes: ['TFA_KERAS3_KERAS_SRC_ENGINE'] }] });
    expect(d.findings.find((x) => x.code === 'TFA_KERAS3_KERAS_SRC_ENGINE')!.fixedByPatch).toBe('some-patch');
  });
});

describe('op-gap prediction', () => {
  it('without the predictor: an info finding says the prediction is unavailable', async () => {
    const d = evaluate(matrix, await planned(fixture('../../../examples/seed-env.txt'), '3.10'), { predictExportGaps: null });
    expect(d.findings.map((f) => f.code)).toContain(OP_GAP_UNAVAILABLE);
    expect(d.findings.map((f) => f.code)).not.toContain('ONNX_TF_OP_VERSION_GAP');
  });

  it('a predictor that throws is reported, not fatal', async () => {
    const d = evaluate(matrix, await planned(fixture('../../../examples/seed-env.txt'), '3.10'), {
      predictExportGaps: () => { throw new Error('table missing'); },
    });
    expect(d.findings.find((f) => f.code === OP_GAP_UNAVAILABLE)!.message).toContain('table missing');
  });

  it('the real predictor is in this build', () => {
    expect(predictor).not.toBeNull();
  });
});
