// `fix`'s pins on a real broken venv (tf217np2: TF 2.17.1 with numpy 2.0.2 and tfp 0.25.0): the
// requirements file it writes must install with pip into a fresh venv, import, and check clean.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { basePython } from '../../scripts/venvs.mjs';
import { deepProbe, type ImportOutcome } from '../../src/env/deep-probe.js';
import { resolveTarget } from '../../src/env/discover.js';
import { probeEnvironment } from '../../src/env/probe.js';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { loadExportGapPredictor } from '../../src/diagnose/predictor.js';
import { proposePins, type PinProposal } from '../../src/fix/pins.js';
import { renderRequirements, writeFileAtomic } from '../../src/fix/write.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { satisfies } from '../../src/matrix/pep440.js';
import { realCheck, type RealCheck } from '../diagnose/helpers/real-check.js';

// tensorflow_probability's top level imports lazily: .distributions is what loads TF
const MODULES = ['tensorflow', 'tensorflow_probability.distributions', 'tf_keras'];

let broken: RealCheck;
let proposal: PinProposal;
let work: string;
let fixedPython: string;
let fixedImports: Record<string, ImportOutcome>;

beforeAll(async () => {
  broken = await realCheck('tf217np2', { deep: MODULES });
  const matrix = await loadMatrix();
  proposal = proposePins(matrix, broken.snapshot, await loadExportGapPredictor());
  work = mkdtempSync(join(tmpdir(), 'tfdoctor-fix-pins-'));
  const file = join(work, 'requirements.lock.txt');
  await writeFileAtomic(file, renderRequirements(matrix, broken.snapshot, proposal, { command: 'tfdoctor fix --venv tf217np2 --write-requirements requirements.lock.txt' }));
  const started = Date.now();
  await execa(basePython() as string, ['-m', 'venv', join(work, 'venv')]);
  fixedPython = join(work, 'venv', 'bin', 'python');
  const pip = await execa(fixedPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', file], { reject: false, all: true });
  if (pip.exitCode !== 0) throw new Error(`pip install -r of the written file failed:\n${pip.all?.split('\n').slice(-30).join('\n')}`);
  fixedImports = await deepProbe(fixedPython, MODULES, { concurrency: 2 });
  process.stderr.write(`fix-pins: pip install -r + imports took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fix pins on the real tf217np2 venv', () => {
  it('the broken venv really fails to import tensorflow, tfp and tf_keras', () => {
    for (const m of MODULES) expect([m, broken.imports![m]!.ok]).toEqual([m, false]);
    expect(broken.static.findings.filter((f) => f.severity === 'error').map((f) => f.code).sort()).toEqual(['NUMPY_OUTSIDE_TF_RANGE', 'TFP_TF_MISMATCH']);
  });

  it('proposes tfp 0.24.0 and numpy within TF 2.17\'s range, verified', () => {
    expect(proposal.pins).toEqual({ 'tensorflow-probability': '0.24.0' });
    expect(proposal.ranges).toEqual({ numpy: '>=1.23.5,<2.0.0' });
    expect(proposal.verified && proposal.clean).toBe(true);
  });

  it('the written requirements install with pip into a fresh venv, whose imports work and which checks clean', async () => {
    for (const m of MODULES) expect([m, fixedImports[m]!.ok, fixedImports[m]!.error?.message ?? '']).toEqual([m, true, '']);
    const snapshot = await probeEnvironment(await resolveTarget({ python: fixedPython }));
    expect(snapshot.distributions.tensorflow?.version).toBe('2.17.1');
    expect(snapshot.distributions['tensorflow-probability']?.version).toBe('0.24.0');
    expect(satisfies(snapshot.distributions.numpy!.version, '>=1.23.5,<2.0.0')).toBe(true);
    const diagnosis = evaluate(await loadMatrix(), snapshot, { predictExportGaps: await loadExportGapPredictor() });
    expect(diagnosis.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual([]);
  });
});
