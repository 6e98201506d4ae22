// pip's resolver as the referee, against the real registry through this machine's own pip
// configuration (its extra indexes, find-links and constraint file apply): the onnx-tf stack on
// Python 3.11 resolves with tensorflow-addons via onnx-tf and numpy 1.x; tensorflow-addons has no
// Python 3.12 wheel; onnx2tf 1.29.24 pins tensorflow==2.19.0 (its METADATA), so it conflicts with
// tensorflow 2.20.0; and the platform-flag path (pip wheel on another interpreter) reproduces the
// closure the target interpreter's own pip resolves.
import { describe, expect, it } from 'vitest';
import { currentPlatform } from '../../src/env/target.js';
import { satisfies } from '../../src/matrix/pep440.js';
import { choosePip } from '../../src/lock/pip-select.js';
import { resolveWithPip } from '../../src/lock/referee.js';
import type { RefereeOutcome, Target } from '../../src/lock/types.js';

const TIMEOUT_MS = 1_800_000;
const here = (python: string): Target => ({ python, platform: currentPlatform() });

function pins(out: RefereeOutcome): Record<string, string> {
  return out.kind === 'resolved' ? Object.fromEntries(out.packages.map((p) => [p.name, p.version])) : {};
}

function seconds(label: string, out: RefereeOutcome): void {
  // evidence for the report, not an assertion: speed belongs to bench/
  console.log(`[referee] ${label}: ${out.kind} in ${out.seconds.toFixed(1)} s (${out.pip?.description ?? 'pip ?'})`);
}

describe('pip referee on the real registry', () => {
  it('resolves the onnx-tf 1.10.0 stack on Python 3.11, tensorflow-addons via onnx-tf, numpy < 2', async () => {
    const out = await resolveWithPip({
      target: here('3.11'), timeoutMs: TIMEOUT_MS,
      requirements: ['onnx-tf==1.10.0', 'tensorflow==2.15.1', 'tensorflow-probability==0.23.0', 'onnx==1.16.2'],
    });
    seconds('onnx-tf stack, 3.11', out);
    expect(out.kind, JSON.stringify({ ...out, packages: undefined })).toBe('resolved');
    if (out.kind !== 'resolved') return;
    const p = pins(out);
    expect(p).toMatchObject({ 'onnx-tf': '1.10.0', tensorflow: '2.15.1', 'tensorflow-probability': '0.23.0', onnx: '1.16.2' });
    const addons = out.packages.find((x) => x.name === 'tensorflow-addons');
    expect(addons?.via).toContain('onnx-tf');
    expect(addons?.requested).toBe(false);
    expect(satisfies(p.numpy!, '<2')).toBe(true);
    // only one TensorFlow, and the machine's constraint file was in force and is shown
    expect(Object.keys(p).filter((n) => /^(tensorflow|tensorflow-cpu|tf-nightly|ai-edge-tensorflow)$/.test(n))).toEqual(['tensorflow']);
    expect(out.config?.some((l) => l.startsWith('constraint file'))).toBe(true);
    expect(out.pip?.how).toBe('own');
  });

  it('finds no tensorflow-addons 0.23.0 for Python 3.12', async () => {
    const out = await resolveWithPip({ target: here('3.12'), timeoutMs: TIMEOUT_MS, requirements: ['tensorflow-addons==0.23.0'] });
    seconds('tensorflow-addons, 3.12', out);
    expect(out.kind, JSON.stringify(out)).toBe('no-distribution');
    if (out.kind === 'no-distribution') expect(out.requirement).toBe('tensorflow-addons==0.23.0');
  });

  it('reports onnx2tf 1.29.24 + tensorflow 2.20.0 on Python 3.11 as a conflict over tensorflow==2.19.0', async () => {
    const out = await resolveWithPip({ target: here('3.11'), timeoutMs: TIMEOUT_MS, requirements: ['onnx2tf==1.29.24', 'tensorflow==2.20.0'] });
    seconds('onnx2tf 1.29.24 + tf 2.20.0, 3.11', out);
    expect(out.kind, JSON.stringify({ ...out, stderr: undefined })).toBe('conflict');
    if (out.kind !== 'conflict') return;
    expect(out.causes).toContain('The user requested tensorflow==2.20.0');
    expect(out.causes).toContain('onnx2tf 1.29.24 depends on tensorflow==2.19.0');
  });

  it('the platform-flag path (pip wheel on Python 3.11, flags for 3.12 linux) matches python3.12\'s own pip', async () => {
    const requirements = ['keras==3.6.0', 'onnx==1.17.0'];
    const target = here('3.12');
    const own = await resolveWithPip({ target, timeoutMs: TIMEOUT_MS, requirements });
    seconds('keras 3.6 + onnx 1.17, 3.12, own pip', own);
    // the pip wheel run on Python 3.11: the path taken when the target interpreter is not on this machine
    const pip = await choosePip(target, { wheelOn: 'python3.11', timeoutMs: TIMEOUT_MS });
    expect(pip.how).toBe('wheel');
    expect(pip.pythonVersion.startsWith('3.11.')).toBe(true);
    expect(pip.targetFlags).toEqual(expect.arrayContaining(['--python-version', '3.12', '--abi', 'cp312', '--platform', 'manylinux_2_17_x86_64']));
    const flagged = await resolveWithPip({ target, timeoutMs: TIMEOUT_MS, requirements, pip });
    seconds('keras 3.6 + onnx 1.17, 3.12, pip wheel with flags on 3.11', flagged);
    expect(own.kind).toBe('resolved');
    expect(flagged.kind).toBe('resolved');
    expect(pins(flagged)).toEqual(pins(own));
    if (flagged.kind === 'resolved') console.log(`[referee] marker drift 3.11 -> 3.12: ${JSON.stringify(flagged.markerDrift)}; rounds ${flagged.rounds}; pruned ${JSON.stringify(flagged.pruned ?? [])}`);
  });
});
