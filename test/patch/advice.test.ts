// `fix` turns check's findings into the commands to run: with the real matrix, an env holding
// onnx-tf and TensorFlow but no tensorflow-probability gets the exact pip pin.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/diagnose/evaluate.js';
import type { Distribution, EnvSnapshot } from '../../src/env/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { adviceFrom, formatAdvice } from '../../src/patch/advice.js';

function dist(name: string, version: string, importPackages: string[]): Distribution {
  return {
    name, displayName: name, version, installer: 'pip', location: '/env/lib/python3.11/site-packages',
    metadataDir: `/env/lib/python3.11/site-packages/${name.replace(/-/g, '_')}-${version}.dist-info`,
    files: [], importPackages, requires: [], requiresPython: null,
  };
}

const snapshot: EnvSnapshot = {
  kind: 'venv', source: '/env', prefix: '/env', planned: false, shadowed: [], envVars: {},
  python: { version: '3.11.7', implementation: 'cpython', executable: '/env/bin/python' },
  platform: { system: 'linux', machine: 'x86_64' },
  sitePackages: ['/env/lib/python3.11/site-packages'],
  distributions: Object.fromEntries([
    dist('onnx-tf', '1.10.0', ['onnx_tf']),
    dist('onnx', '1.16.2', ['onnx']),
    dist('tensorflow', '2.15.1', ['tensorflow']),
    dist('keras', '2.15.0', ['keras']),
    dist('numpy', '1.26.4', ['numpy']),
    dist('protobuf', '4.25.3', ['google']),
  ].map((d) => [d.name, d])),
};

describe('fix advice from check findings', () => {
  it('a missing tensorflow-probability gets its exact pip pin', async () => {
    const diagnosis = evaluate(await loadMatrix(), snapshot, {});
    const advice = adviceFrom(diagnosis.findings, []);
    const tfp = advice.find((a) => a.code === 'ONNX_TF_NEEDS_TFP');
    expect(tfp, JSON.stringify(advice.map((a) => a.code))).toBeDefined();
    expect(tfp!.fixes.find((f) => f.kind === 'pin')!.command).toMatch(/^pip install "tensorflow-probability==0\.\d+\.\d+"$/);
    const text = formatAdvice(advice);
    expect(text).toContain('error   ONNX_TF_NEEDS_TFP:');
    expect(text).toMatch(/run: pip install "tensorflow-probability==0\.\d+\.\d+"/);
    // info findings are left out: only what needs doing
    expect(advice.every((a) => a.severity !== 'info')).toBe(true);
  });
});
