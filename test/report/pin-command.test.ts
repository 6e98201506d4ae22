// The one formatter of pin fixes, on the shipped matrix: every pin fix is data (install / remove /
// separate_env) and its pip line is what the formatter writes, rendered per finding.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { predictExportGaps } from '../../src/optables/index.js';
import { pinCommand, pinLines } from '../../src/report/pin-command.js';

const root = new URL('../../', import.meta.url).pathname;

describe('pinCommand', () => {
  it('writes installs, uninstall-then-reinstall, removals and separate venvs', () => {
    expect(pinCommand({ install: { onnx: '==1.18.0' }, remove: [] })).toBe('pip install "onnx==1.18.0"');
    expect(pinCommand({ install: { tensorflow: '==2.20.0' }, remove: ['ai-edge-tensorflow'] }))
      .toBe('pip uninstall -y ai-edge-tensorflow && pip install --force-reinstall "tensorflow==2.20.0"');
    expect(pinCommand({ install: {}, remove: ['keras', 'keras-nightly'] })).toBe('pip uninstall -y keras keras-nightly');
    expect(pinCommand({ install: {}, remove: [], separateEnv: { python: '3.11', dir: '.venv-tf' } })).toBe('python3.11 -m venv .venv-tf && . .venv-tf/bin/activate');
    expect(pinCommand({ install: { 'onnx2tf[tensorflow]': '' }, remove: [], separateEnv: { python: '', dir: '.venv-x' } }))
      .toBe('python3 -m venv .venv-x && .venv-x/bin/pip install "onnx2tf[tensorflow]"');
    expect(pinLines({ numpy: '==1.26.4', tensorflow: '==2.15.1' }, ['tf-keras'])).toEqual(['pip uninstall -y tf-keras', 'pip install "numpy==1.26.4" "tensorflow==2.15.1"']);
  });

  it('every pin fix of the shipped matrix is data, and its command is the formatter\'s', async () => {
    const matrix = await loadMatrix();
    const pins = matrix.rules.flatMap((r) => r.fixes.filter((f) => f.kind === 'pin').map((f) => ({ code: r.code, f })));
    expect(pins.length).toBeGreaterThan(10);
    for (const { code, f } of pins) {
      expect([code, f.pin !== undefined]).toEqual([code, true]);
      expect(f.command).toBe(pinCommand(f.pin!));
    }
  });

  it('a finding carries its pin fix rendered: the seed demo\'s TFP pin and its two-TensorFlow removal', async () => {
    const matrix = await loadMatrix();
    const dual = await snapshotFromRequirements(`${root}test/real-env/envs/dualtf.txt`, { pythonVersion: '3.11', platform: { system: 'linux', machine: 'x86_64' } });
    const f = evaluate(matrix, dual, { predictExportGaps }).findings.find((x) => x.code === 'TF_DISTRIBUTIONS_SHARE_PACKAGE')!;
    const pin = f.fixes.find((x) => x.kind === 'pin')!;
    expect(pin.pin).toEqual({ install: { tensorflow: '==2.20.0' }, remove: ['tensorflow', 'ai-edge-tensorflow'] });
    expect(pin.command).toBe('pip uninstall -y tensorflow ai-edge-tensorflow && pip install --force-reinstall "tensorflow==2.20.0"');
  });
});
