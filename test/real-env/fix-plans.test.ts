// `fix`'s plans through the lock solver and pip's resolver, on the two cases of issue 7's "Why" and the
// real seed venv. pip's verdicts and the index are cached on disk (src/lock/referee-cache.ts,
// ~/.cache/tfdoctor/index), so reruns are quick; no venv is built here beyond the cached seed one.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { ensureVenv } from '../../scripts/venvs.mjs';
import { resolveTarget } from '../../src/env/discover.js';
import { probeEnvironment } from '../../src/env/probe.js';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import type { FixPlan, FixPlans } from '../../src/fix/plans.js';
import { fixPlans } from '../../src/fix/services.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { choosePip } from '../../src/lock/pip-select.js';
import { resolveWithPip } from '../../src/lock/referee.js';
import { keepVerdict, readVerdict } from '../../src/lock/referee-cache.js';
import { targetOf } from '../../src/fix/services.js';

const run = promisify(execFile);
const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname;

async function tfdoctor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [cli, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 1_800_000, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** pip's own dry-run resolution of a requirements file's lines (verdict cached like the referee's). */
async function pipResolves(file: string, python: string): Promise<string[]> {
  const requirements = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const snapshot = await snapshotFromRequirements(file, { pythonVersion: python, platform: linux });
  const { target, pipPython } = await targetOf(snapshot);
  const pip = await choosePip(target, { python: pipPython, timeoutMs: 900_000, prefer: 'wheel' });
  const key = { requirements, constraints: [], target, context: ['fix-plans.test', pip.python, pip.pipVersion] };
  const outcome = (await readVerdict(key)) ?? await resolveWithPip({ python: pipPython, target, requirements, constraints: [], timeoutMs: 900_000, pip });
  await keepVerdict(key, outcome);
  if (outcome.kind !== 'resolved') throw new Error(`pip did not resolve ${file}: ${outcome.kind}`);
  return outcome.packages.map((p) => p.name);
}

const work = mkdtempSync(join(tmpdir(), 'tfdoctor-fix-plans-'));
const linux = { system: 'linux', machine: 'x86_64' };
const log = (m: string) => process.stderr.write(`${m}\n`);

async function plansFor(lines: string, python: string): Promise<FixPlans> {
  const file = join(work, `req-${python}-${lines.length}.txt`);
  writeFileSync(file, lines);
  const snapshot = await snapshotFromRequirements(file, { pythonVersion: python, platform: linux });
  return fixPlans(snapshot, await loadMatrix(), { offline: false, progress: log });
}

const closureNames = (p: FixPlan) => p.lock.closure.map((c) => c.name);
const pins = (p: FixPlan) => Object.fromEntries(p.lock.closure.map((c) => [c.name, c.version]));
// the distributions of the tensorflow and keras families (matrix/packages.yaml)
async function families(): Promise<{ tensorflow: string[]; keras: string[] }> {
  const m = await loadMatrix();
  return { tensorflow: m.families.find((f) => f.name === 'tensorflow')!.distributions, keras: m.families.find((f) => f.name === 'keras')!.distributions };
}

describe('fix plans (issue 7, "Why")', () => {
  it('two TensorFlows + ai-edge-torch 0.6.0 + torch 2.8.0 on Python 3.11: pip resolves the plan to one TensorFlow and one Keras', async () => {
    const plans = await plansFor('tensorflow==2.20.0\nai-edge-torch==0.6.0\ntorch==2.8.0\nai-edge-tensorflow==2.21.0.dev20250818\n', '3.11');
    expect(plans.routes).toEqual(['litert-torch']);
    expect(plans.plans.length).toBe(1);
    const plan = plans.plans[0]!;
    const fam = await families();
    const names = closureNames(plan);
    console.log(`dual TF: ${plan.changes.map((c) => `${c.name} ${c.from ?? '-'} -> ${c.to ?? 'uninstalled'}`).join(', ')}; pip ${plan.lock.referee.pipVersion}, ${plan.lock.rounds} round(s), ${names.length} packages`);
    // pip's own closure of the plan's requirement lines: exactly one TensorFlow, at most one Keras
    expect(names.filter((n) => fam.tensorflow.includes(n))).toHaveLength(1);
    expect(names.filter((n) => fam.keras.includes(n)).length).toBeLessThanOrEqual(1);
    // fewest changes: one TensorFlow goes, what the user asked for otherwise stays
    expect(plan.changes).toEqual([{ name: 'tensorflow', from: '2.20.0', to: null }]);
    expect(pins(plan)).toMatchObject({ 'ai-edge-torch': '0.6.0', torch: '2.8.0', 'ai-edge-tensorflow': '2.21.0.dev20250818' });
    // same input, same plan
    const again = await plansFor('tensorflow==2.20.0\nai-edge-torch==0.6.0\ntorch==2.8.0\nai-edge-tensorflow==2.21.0.dev20250818\n', '3.11');
    expect(again.plans.map((p) => [p.changes, p.lock.requested, p.lock.closure.map((c) => `${c.name}==${c.version}`)]))
      .toEqual(plans.plans.map((p) => [p.changes, p.lock.requested, p.lock.closure.map((c) => `${c.name}==${c.version}`)]));
  });

  it('onnx-tf on Python 3.12: no pin can help, and the answer says why (no tensorflow-addons file for cp312) and what solves', async () => {
    const plans = await plansFor('onnx-tf==1.10.0\ntensorflow==2.20.0\nonnx==1.18.0\ntensorflow-probability==0.25.0\ntf_keras==2.20.1\n', '3.12');
    expect(plans.routes).toEqual(['onnx-tf']);
    expect(plans.plans).toEqual([]);
    const none = plans.none.find((n) => n.route === 'onnx-tf')!;
    expect(none.explanation.facts).toContainEqual(expect.objectContaining({ kind: 'no-file', pkg: 'tensorflow-addons' }));
    const alternatives = none.explanation.alternatives.map((a) => `${a.route}@${a.python}`);
    expect(alternatives).toContain('onnx2tf@3.12');
    expect(alternatives.some((a) => a.startsWith('onnx-tf@3.1') && a !== 'onnx-tf@3.12')).toBe(true);
  });
});

describe('tfdoctor fix (the CLI) on the two cases', () => {
  it('--write-requirements for the two-TensorFlow file writes a file pip resolves to one TensorFlow and one Keras', async () => {
    const req = join(work, 'dual-cli.txt');
    writeFileSync(req, 'tensorflow==2.20.0\nai-edge-torch==0.6.0\ntorch==2.8.0\nai-edge-tensorflow==2.21.0.dev20250818\n');
    const out = join(work, 'out.txt');
    const r = await tfdoctor(['fix', '--requirements', req, '--python-version', '3.11', '--platform', 'linux-x86_64', '--write-requirements', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('run: pip uninstall -y tensorflow');
    expect(readFileSync(out, 'utf8')).toMatch(/^# uninstall first: pip uninstall -y tensorflow$/m);
    const names = await pipResolves(out, '3.11');
    const fam = await families();
    expect(names.filter((n) => fam.tensorflow.includes(n))).toEqual(['ai-edge-tensorflow']);
    expect(names.filter((n) => fam.keras.includes(n)).length).toBeLessThanOrEqual(1);
  });

  it('onnx-tf on Python 3.12: exit 1, the chain of facts and the targets that solve, and no file', async () => {
    const req = join(work, 'onnxtf312.txt');
    writeFileSync(req, 'onnx-tf==1.10.0\ntensorflow==2.20.0\nonnx==1.18.0\ntensorflow-probability==0.25.0\ntf_keras==2.20.1\n');
    const r = await tfdoctor(['fix', '--requirements', req, '--python-version', '3.12', '--platform', 'linux-x86_64']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).not.toContain('Pins: none apply');
    expect(r.stdout).toMatch(/No pin can make the onnx-tf route work on Python 3\.12/);
    expect(r.stdout).toMatch(/no release of tensorflow-addons has a file for cp312/);
    expect(r.stdout).toMatch(/tfdoctor lock --route onnx2tf --python 3\.12/);
  });
});

describe('fix plans on the real seed venv', () => {
  it('offers both plans, each refereed by pip: keep TF 2.20 with the patches, or the pins of a coherent older stack', async () => {
    const venv = ensureVenv('seed') as { dir: string };
    const snapshot = await probeEnvironment(await resolveTarget({ venv: venv.dir }));
    const plans = await fixPlans(snapshot, await loadMatrix(), { offline: false, progress: log });
    expect(plans.routes).toEqual(['onnx-tf']);
    const patched = plans.plans.find((p) => p.kind === 'patches')!;
    const older = plans.plans.find((p) => p.kind === 'pins')!;
    for (const p of [patched, older]) console.log(`seed ${p.kind}: ${p.changes.map((c) => `${c.name} ${c.from ?? '-'} -> ${c.to ?? 'uninstalled'}`).join(', ') || 'no version changes'}; steps ${p.steps.map((s) => s.text).join(', ')}; pip ${p.lock.referee.pipVersion}, ${p.lock.rounds} round(s)`);
    // keep the stack: TF 2.20 and Keras 3 stay, the patches make it work
    expect(pins(patched)).toMatchObject({ tensorflow: '2.20.0', keras: '3.11.3', 'tensorflow-addons': '0.23.0', onnx: '1.19.0' });
    expect(patched.steps.filter((s) => s.kind === 'patch').map((s) => s.text).sort())
      .toEqual(['onnx-tf-onnx-mapping', 'onnx-tf-reduce-opset18', 'tfa-keras3-abstract-rnn-cell', 'tfa-keras3-keras-tensor', 'tfa-keras3-lazyadam-get-config']);
    // pins alone: the last Keras 2 stack tensorflow-addons supports, no patch
    expect(older.steps.filter((s) => s.kind === 'patch')).toEqual([]);
    expect(pins(older)).toMatchObject({
      tensorflow: '2.15.1', keras: '2.15.0', 'tensorflow-addons': '0.23.0', 'tensorflow-probability': '0.23.0', onnx: '1.18.0', numpy: '1.26.4',
    });
    // the older stack's closure judged by the matrix (as `check` on a planned env): no error for the route
    const matrix = await loadMatrix();
    const { evaluate } = await import('../../src/diagnose/evaluate.js');
    const { plannedSnapshot } = await import('../../src/lock/solve.js');
    const { predictExportGaps } = await import('../../src/optables/index.js');
    const planned = plannedSnapshot(new Map(older.lock.closure.map((c) => [c.name, { version: c.version, requiresDist: c.requiresDist, requiresPython: c.requiresPython }])), plans.target);
    const errors = evaluate(matrix, planned, { predictExportGaps }).findings.filter((f) => f.severity === 'error' && f.blocks.includes('onnx-tf'));
    // torch 2.13's default export needs the plan's export call (opset 12, TorchScript); nothing else blocks
    expect(errors.map((f) => f.code)).toEqual(['ONNX_TF_OP_VERSION_GAP']);
    expect(older.steps.find((s) => s.kind === 'export')?.text).toMatch(/opset_version=12/);
  });

  it('--json carries both plans as data', async () => {
    const venv = ensureVenv('seed') as { dir: string };
    const r = await tfdoctor(['fix', '--venv', venv.dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { plans: { plans: { kind: string; changes: { name: string; to: string | null }[]; closure: { name: string; version: string }[] }[] } };
    expect(doc.plans.plans.map((p) => p.kind)).toEqual(['patches', 'pins']);
    expect(doc.plans.plans[1]!.changes).toContainEqual({ name: 'tensorflow', from: '2.20.0', to: '2.15.1' });
  });
});
