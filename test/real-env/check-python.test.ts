// Python outside a package's supported range: the planned env's prediction against what pip itself
// finds on PyPI for that Python (`pip download --python-version X.Y --only-binary=:all:` resolves
// wheels for another Python without needing that interpreter).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { basePython } from '../../scripts/venvs.mjs';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { runPython } from '../diagnose/helpers/real-check.js';

const pins = new URL('../diagnose/fixtures/tfa-py312.txt', import.meta.url).pathname;

async function pipFinds(requirement: string, pythonVersion: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-pydl-'));
  return runPython(basePython() as string, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:',
    '--python-version', pythonVersion, '--platform', 'manylinux2014_x86_64', '-d', dir, requirement]);
}

describe('Python outside the supported range', () => {
  it('PYTHON_UNSUPPORTED', async () => {
    const matrix = await loadMatrix();
    const linux = { system: 'linux', machine: 'x86_64' };
    const on312 = evaluate(matrix, await snapshotFromRequirements(pins, { pythonVersion: '3.12', platform: linux }), {});
    const on311 = evaluate(matrix, await snapshotFromRequirements(pins, { pythonVersion: '3.11', platform: linux }), {});
    const flagged = on312.findings.filter((f) => f.code === 'PYTHON_UNSUPPORTED').map((f) => f.title);
    expect(flagged.sort()).toEqual([
      'tensorflow 2.15.1 does not support Python 3.12',
      'tensorflow-addons 0.23.0 does not support Python 3.12',
    ]);
    expect(on311.findings.map((f) => f.code)).not.toContain('PYTHON_UNSUPPORTED');

    // what pip finds on PyPI: nothing installable for 3.12, the wheel for 3.11
    const tfa312 = await pipFinds('tensorflow-addons==0.23.0', '3.12');
    expect(tfa312.exitCode).not.toBe(0);
    expect(tfa312.stderr).toContain('No matching distribution found for tensorflow-addons==0.23.0');
    const tf312 = await pipFinds('tensorflow==2.15.1', '3.12');
    expect(tf312.exitCode).not.toBe(0);
    expect(tf312.stderr).toContain('No matching distribution found for tensorflow==2.15.1');
    const tfa311 = await pipFinds('tensorflow-addons==0.23.0', '3.11');
    expect(tfa311.exitCode, tfa311.stderr).toBe(0);
  });
});
