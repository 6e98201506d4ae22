// proposePins against the real matrix and the seed demo (examples/seed-env.txt, Python 3.10), plus a
// small matrix (real YAML format, loaded by loadMatrix) whose two rules offer contradicting pins.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import type { EnvSnapshot } from '../../src/env/types.js';
import { applyPins, contradicts, pinRequest, proposePins } from '../../src/fix/pins.js';
import type { Fix, PinSpec } from '../../src/matrix/types.js';
import { pinCommand } from '../../src/report/pin-command.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { predictExportGaps } from '../../src/optables/index.js';

const root = new URL('../../', import.meta.url).pathname;
const seedFile = join(root, 'examples/seed-env.txt');
const linux = { system: 'linux', machine: 'x86_64' };

const seed = () => snapshotFromRequirements(seedFile, { pythonVersion: '3.10', platform: linux });
const errorCodes = (s: EnvSnapshot, m: Awaited<ReturnType<typeof loadMatrix>>) =>
  evaluate(m, s, { predictExportGaps }).findings.filter((f) => f.severity === 'error').map((f) => f.code).sort();

const pinFix = (pin: PinSpec): Fix => ({ kind: 'pin', command: pinCommand(pin), pin });

describe('pinRequest (a pin fix read from its data, no command parsing)', () => {
  it('reads exact pins, PEP 503-normalised', () => {
    expect(pinRequest(pinFix({ install: { tensorflow: '==2.15.1', Keras: '==2.15.0', tf_keras: '==2.15.1' }, remove: [] }))).toEqual({
      pins: { tensorflow: '2.15.1', keras: '2.15.0', 'tf-keras': '2.15.1' }, removals: [], ranges: {},
    });
  });

  it('uninstall then reinstall is a pin; uninstall alone is a removal', () => {
    expect(pinRequest(pinFix({ install: { tensorflow: '==2.20.0' }, remove: ['tensorflow', 'ai-edge-tensorflow'] })))
      .toEqual({ pins: { tensorflow: '2.20.0' }, removals: ['ai-edge-tensorflow'], ranges: {} });
  });

  it('reads a PEP 440 range (a rendered {requires}) as a range', () => {
    expect(pinRequest(pinFix({ install: { numpy: '>=1.23.5,<2.0.0' }, remove: [] }))).toEqual({ pins: {}, removals: [], ranges: { numpy: '>=1.23.5,<2.0.0' } });
    expect(pinRequest(pinFix({ install: { protobuf: '>=3.20.3,<5.0.0dev,!=4.21.0' }, remove: [] }))).toEqual({ pins: {}, removals: [], ranges: { protobuf: '>=3.20.3,<5.0.0dev,!=4.21.0' } });
  });

  it('refuses unrendered versions, bad ranges, bare names and separate envs', () => {
    expect(pinRequest(pinFix({ install: { numpy: '>=one' }, remove: [] }))).toEqual({ reason: 'not-exact', requirement: 'numpy>=one' });
    expect(pinRequest(pinFix({ install: { 'tf-keras': '==a matching version' }, remove: [] }))).toMatchObject({ reason: 'not-exact' });
    expect(pinRequest(pinFix({ install: { 'onnx2tf[tensorflow]': '' }, remove: [], separateEnv: { python: '3.12', dir: '.venv-onnx2tf' } })))
      .toMatchObject({ reason: 'not-pip', segment: 'python3.12 -m venv .venv-onnx2tf && .venv-onnx2tf/bin/pip install "onnx2tf[tensorflow]"' });
  });

  it('a pin contradicts a different version or a removal of the same name', () => {
    const choice = { pins: new Map([['onnx', '1.16.2']]), removals: new Set(['ai-edge-tensorflow']), ranges: new Map([['numpy', '>=1.23.5,<2.0.0']]) };
    expect(contradicts({ pins: { onnx: '1.18.0' }, removals: [], ranges: {} }, choice)).toBe(true);
    expect(contradicts({ pins: { onnx: '1.16.2' }, removals: [], ranges: {} }, choice)).toBe(false);
    expect(contradicts({ pins: { 'ai-edge-tensorflow': '2.21.0.dev20250818' }, removals: [], ranges: {} }, choice)).toBe(true);
    expect(contradicts({ pins: {}, removals: ['onnx'], ranges: {} }, choice)).toBe(true);
    // ranges: a pin inside a chosen range fits, outside it does not; a range a chosen pin misses does not
    expect(contradicts({ pins: { numpy: '1.26.4' }, removals: [], ranges: {} }, choice)).toBe(false);
    expect(contradicts({ pins: { numpy: '2.1.0' }, removals: [], ranges: {} }, choice)).toBe(true);
    expect(contradicts({ pins: {}, removals: [], ranges: { onnx: '>=1.18' } }, choice)).toBe(true);
    expect(contradicts({ pins: {}, removals: [], ranges: { onnx: '>=1.16' } }, choice)).toBe(false);
  });
});

describe('proposePins on the seed demo (Python 3.10)', () => {
  it('pins the Keras 2 stack and one TensorFlow; only the op-version gap (no pin fix) remains', async () => {
    const [matrix, snapshot] = await Promise.all([loadMatrix(), seed()]);
    expect(errorCodes(snapshot, matrix)).toEqual([
      'ONNX_MAPPING_REMOVED', 'ONNX_TF_OP_VERSION_GAP', 'TFA_KERAS3_ABSTRACT_RNN_CELL', 'TFA_KERAS3_KERAS_SRC_ENGINE',
      'TFA_KERAS3_LAZYADAM_GET_CONFIG', 'TF_DISTRIBUTIONS_SHARE_PACKAGE',
    ]);
    const p = proposePins(matrix, snapshot, predictExportGaps);
    expect(p.pins).toEqual({
      keras: '2.15.0', numpy: '1.26.4', onnx: '1.16.2', tensorflow: '2.15.1', 'tensorflow-probability': '0.23.0',
      'tf-keras': '2.15.1',
    });
    // ai-edge-torch 0.6.0 pins ai-edge-tensorflow (a matrix constraint, as the planned env has no METADATA): it goes too
    expect(p.removals).toEqual(['ai-edge-tensorflow', 'ai-edge-torch']);
    expect(p.dependentRemovals).toEqual([{ name: 'ai-edge-torch', requires: 'ai-edge-tensorflow', code: 'TF_DISTRIBUTIONS_SHARE_PACKAGE' }]);
    // round 1 takes the fix that clears the most errors; round 2 re-renders the dual-TF fix with the TF chosen in round 1
    // with TF 2.15 chosen in round 1, tf_keras 2.20 no longer matches: round 2 also pins tf-keras 2.15.1
    expect(p.rounds.map((r) => r.applied.map((a) => a.code))).toEqual([
      ['TFA_KERAS3_KERAS_SRC_ENGINE'], ['TF_DISTRIBUTIONS_SHARE_PACKAGE', 'TF_KERAS_MINOR_MISMATCH'],
    ]);
    expect(p.rounds[1]!.applied[0]!.pins).toEqual({ tensorflow: '2.15.1' });
    expect(p.applied.every((a) => a.resolved)).toBe(true);
    expect(p.verified).toBe(true);
    expect(p.clean).toBe(false);
    expect(p.remaining.map((r) => [r.finding.code, r.reason])).toEqual([['ONNX_TF_OP_VERSION_GAP', 'no-pin-fix']]);
    // torch 2.8's default export at opset 18: ReduceMean-18 is still the gap with onnx 1.16.2
    expect(p.remaining[0]!.finding.message).toContain('ReduceMean-18');
  });

  it('an independent re-evaluation of the pinned env agrees, and no pin-fixable error is left', async () => {
    const [matrix, snapshot] = await Promise.all([loadMatrix(), seed()]);
    const p = proposePins(matrix, snapshot, predictExportGaps);
    const pinned = applyPins(snapshot, p.pins, p.removals);
    expect(pinned.distributions['ai-edge-tensorflow']).toBeUndefined();
    expect(pinned.distributions.tensorflow?.version).toBe('2.15.1');
    // untouched distributions keep their pins
    expect(pinned.distributions.torch?.version).toBe('2.8.0');
    expect(pinned.distributions['tensorflow-addons']?.version).toBe('0.23.0');
    const findings = evaluate(matrix, pinned, { predictExportGaps }).findings.filter((f) => f.severity === 'error');
    expect(findings.map((f) => f.code)).toEqual(['ONNX_TF_OP_VERSION_GAP']);
    expect(findings.every((f) => f.fixes.every((x) => x.kind !== 'pin'))).toBe(true);
    // the input snapshot is not changed
    expect(snapshot.distributions.tensorflow?.version).toBe('2.20.0');
  });

  it('each distribution is pinned to one version across all applied fixes (onnx==1.18.0 loses to the stack\'s 1.16.2)', async () => {
    const [matrix, snapshot] = await Promise.all([loadMatrix(), seed()]);
    const p = proposePins(matrix, snapshot, predictExportGaps);
    const versions = new Map<string, Set<string>>();
    for (const a of p.applied) for (const [n, v] of Object.entries(a.pins)) (versions.get(n) ?? versions.set(n, new Set()).get(n)!).add(v);
    for (const [name, set] of versions) expect([name, [...set]]).toEqual([name, [p.pins[name]]]);
    expect(p.applied.some((a) => a.code === 'ONNX_MAPPING_REMOVED')).toBe(false);
  });

  it('a planned pin gets the existing import packages, a new one its name', async () => {
    const snapshot = await seed();
    snapshot.distributions['tf-keras']!.importPackages = ['tf_keras'];
    const pinned = applyPins(snapshot, { 'tf-keras': '2.15.1', 'numpy': '1.26.4' });
    expect(pinned.distributions['tf-keras']).toMatchObject({ version: '2.15.1', displayName: 'tf_keras', importPackages: ['tf_keras'], files: [], location: null, installer: null, requires: [] });
    expect(pinned.distributions.numpy).toMatchObject({ version: '1.26.4', importPackages: ['numpy'] });
  });

  it('a distribution whose Requires-Dist names a removed one is removed with it (pip would reinstall it)', async () => {
    const [matrix, snapshot] = await Promise.all([loadMatrix(), seed()]);
    // ai-edge-torch 0.6.0's METADATA (PyPI): Requires-Dist lines as a probe reads them
    snapshot.distributions['ai-edge-torch']!.requires = ['ai-edge-tensorflow==2.21.0.dev20250818', 'torch<2.9.0,>=2.4.0', 'pytest; extra == "dev"'];
    const p = proposePins(matrix, snapshot, predictExportGaps);
    expect(p.removals).toEqual(['ai-edge-tensorflow', 'ai-edge-torch']);
    expect(p.dependentRemovals).toEqual([{ name: 'ai-edge-torch', requires: 'ai-edge-tensorflow', code: 'TF_DISTRIBUTIONS_SHARE_PACKAGE' }]);
  });
});

describe('proposePins with ranges', () => {
  it('TF 2.17 with numpy 2: the rule\'s {requires} range clears NUMPY_OUTSIDE_TF_RANGE and is written as a range', async () => {
    const matrix = await loadMatrix();
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-pins-req-'));
    // two of the real-env tf217np2 venv's pins (test/real-env/envs/tf217np2.txt)
    writeFileSync(join(dir, 'requirements.txt'), 'tensorflow==2.17.1\nnumpy==2.0.2\n');
    const snapshot = await snapshotFromRequirements(join(dir, 'requirements.txt'), { pythonVersion: '3.11', platform: linux });
    expect(errorCodes(snapshot, matrix)).toEqual(['NUMPY_OUTSIDE_TF_RANGE']);
    const p = proposePins(matrix, snapshot, predictExportGaps);
    expect(p.pins).toEqual({});
    expect(p.ranges).toEqual({ numpy: '>=1.23.5,<2.0.0' });
    expect(p.applied.map((a) => [a.code, a.resolved])).toEqual([['NUMPY_OUTSIDE_TF_RANGE', true]]);
    expect(p.planned.distributions.numpy).toBeUndefined();
    expect(p.planned.unpinned).toEqual([{ name: 'numpy', specifier: '>=1.23.5,<2.0.0', line: 0 }]);
    expect(p.verified && p.clean).toBe(true);
  });
});

describe('proposePins with contradicting pin fixes', () => {
  async function conflictMatrix() {
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-pins-'));
    copyFileSync(join(root, 'matrix/packages.yaml'), join(dir, 'packages.yaml'));
    copyFileSync(join(root, 'matrix/routes.yaml'), join(dir, 'routes.yaml'));
    writeFileSync(join(dir, 'rules.yaml'), `rules:
  - code: ONNX_TOO_NEW
    severity: error
    title: onnx too new
    message: onnx {version:onnx}
    packages: [onnx]
    when: { version: { package: onnx, spec: ">=1.19" } }
    evidence: [{ kind: docs, ref: "test", note: "test rule" }]
    unproven: true
    fixes:
      - kind: pin
        install: { onnx: "==1.18.0", numpy: "==1.26.4" }
  - code: NUMPY_NOT_2_1
    severity: error
    title: numpy is not 2.1.0
    message: numpy {version:numpy}
    packages: [numpy]
    when: { not: { version: { package: numpy, spec: "==2.1.0" } } }
    evidence: [{ kind: docs, ref: "test", note: "test rule" }]
    unproven: true
    fixes:
      - kind: pin
        install: { numpy: "==2.1.0" }
`);
    return loadMatrix(dir);
  }

  it('takes the first of two equally good fixes, never applies the other, and says why it remains', async () => {
    const matrix = await conflictMatrix();
    const reqDir = mkdtempSync(join(tmpdir(), 'tfdoctor-pins-req-'));
    writeFileSync(join(reqDir, 'requirements.txt'), 'onnx==1.19.0\nnumpy==2.3.0\n');
    const snapshot = await snapshotFromRequirements(join(reqDir, 'requirements.txt'), { pythonVersion: '3.11', platform: linux });
    const p = proposePins(matrix, snapshot, null);
    expect(p.pins).toEqual({ numpy: '1.26.4', onnx: '1.18.0' });
    expect(p.applied.map((a) => a.code)).toEqual(['ONNX_TOO_NEW']);
    expect(p.rounds).toHaveLength(1);
    expect(p.remaining.map((r) => [r.finding.code, r.reason])).toEqual([['NUMPY_NOT_2_1', 'conflicts']]);
    expect(p.remaining[0]!.detail).toContain('numpy==1.26.4');
    // the pins are confirmed (ONNX_TOO_NEW gone, nothing new); the conflict is reported, not hidden
    expect(p.verified).toBe(true);
    expect(p.clean).toBe(false);
  });

  it('a pin that would trade one error for another is not taken', async () => {
    const matrix = await conflictMatrix();
    const reqDir = mkdtempSync(join(tmpdir(), 'tfdoctor-pins-req-'));
    // numpy already 2.1.0: only ONNX_TOO_NEW fires; its pin (numpy 1.26.4) would trade it for NUMPY_NOT_2_1
    writeFileSync(join(reqDir, 'requirements.txt'), 'onnx==1.19.0\nnumpy==2.1.0\n');
    const snapshot = await snapshotFromRequirements(join(reqDir, 'requirements.txt'), { pythonVersion: '3.11', platform: linux });
    const p = proposePins(matrix, snapshot, null);
    expect(p.applied).toEqual([]);
    expect(p.pins).toEqual({});
    expect(p.remaining.map((r) => [r.finding.code, r.reason])).toEqual([['ONNX_TOO_NEW', 'pin-did-not-help']]);
  });
});
