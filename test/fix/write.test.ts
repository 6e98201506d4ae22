// The written files in their real formats: requirements / constraints read back through
// snapshotFromRequirements (the round trip re-evaluates to the same verdict), environment.yml through yaml.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import { proposePins } from '../../src/fix/pins.js';
import { pinnedLines, renderCondaEnv, renderConstraints, renderRequirements, writeFileAtomic } from '../../src/fix/write.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { predictExportGaps } from '../../src/optables/index.js';
import { UserError } from '../../src/util/errors.js';

const root = new URL('../../', import.meta.url).pathname;
const seedFile = join(root, 'examples/seed-env.txt');
const linux = { system: 'linux', machine: 'x86_64' };
const ctx = { command: 'tfdoctor fix --requirements examples/seed-env.txt --python-version 3.10' };

async function seedProposal() {
  const [matrix, snapshot] = await Promise.all([loadMatrix(), snapshotFromRequirements(seedFile, { pythonVersion: '3.10', platform: linux })]);
  return { matrix, snapshot, proposal: proposePins(matrix, snapshot, predictExportGaps) };
}

const verdict = (findings: { code: string; severity: string }[]) =>
  findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.code}`).sort();

describe('renderRequirements', () => {
  it('round trip: the written file reads back as the pinned env and re-evaluates to the same verdict', async () => {
    const { matrix, snapshot, proposal } = await seedProposal();
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-write-'));
    const file = join(dir, 'requirements.lock.txt');
    expect(await writeFileAtomic(file, renderRequirements(matrix, snapshot, proposal, ctx))).toBe('written');
    const back = await snapshotFromRequirements(file, { pythonVersion: '3.10', platform: linux });
    expect(back.unpinned).toEqual([]);
    const versions = Object.fromEntries(Object.values(back.distributions).map((d) => [d.name, d.version]));
    // ai-edge-torch 0.6.0 pins ai-edge-tensorflow (matrix constraint): it goes with it, or pip would reinstall it
    expect(versions).toEqual({
      keras: '2.15.0', numpy: '1.26.4', onnx: '1.16.2', 'onnx-tf': '1.10.0', tensorflow: '2.15.1',
      'tensorflow-addons': '0.23.0', 'tensorflow-probability': '0.23.0', 'tf-keras': '2.15.1', torch: '2.8.0',
    });
    const again = evaluate(matrix, back, { predictExportGaps }).findings;
    expect(verdict(again)).toEqual(verdict(proposal.findings));
    expect(verdict(again)).toEqual(['error ONNX_TF_OP_VERSION_GAP']);
  });

  it('annotates pins with the rule that chose them, kept lines with their origin, and names removals', async () => {
    const { matrix, snapshot, proposal } = await seedProposal();
    const text = renderRequirements(matrix, snapshot, proposal, ctx);
    expect(text.split('\n')[1]).toBe(`#    ${ctx.command}`);
    expect(text).toContain('onnx==1.16.2\n    # via tfdoctor: TFA_KERAS3_KERAS_SRC_ENGINE\n');
    expect(text).toContain('tensorflow==2.15.1\n    # via\n    #   tfdoctor: TFA_KERAS3_KERAS_SRC_ENGINE\n    #   tfdoctor: TF_DISTRIBUTIONS_SHARE_PACKAGE\n');
    expect(text).toContain('torch==2.8.0\n    # as in seed-env.txt\n');
    expect(text).toContain('# removed: ai-edge-tensorflow (TF_DISTRIBUTIONS_SHARE_PACKAGE)');
    expect(text).not.toMatch(/^ai-edge-tensorflow/m);
    const names = pinnedLines(matrix, snapshot, proposal).map((l) => l.name);
    expect(names).toEqual([...names].sort());
  });

  it('keeps a planned env\'s unpinned lines and the distributions a pin touched even when the matrix does not track them', async () => {
    const matrix = await loadMatrix();
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-write-'));
    const req = join(dir, 'req.txt');
    writeFileSync(req, 'onnx-tf==1.10.0\nonnx==1.19.0\nrequests==2.32.3\nrich>=13\n');
    const snapshot = await snapshotFromRequirements(req, { pythonVersion: '3.11', platform: linux });
    const proposal = proposePins(matrix, snapshot, predictExportGaps);
    expect(proposal.pins).toEqual({ onnx: '1.18.0' });
    const lines = pinnedLines(matrix, snapshot, proposal).map((l) => l.requirement);
    expect(lines).toEqual(['onnx==1.18.0', 'onnx-tf==1.10.0', 'rich>=13']);
  });
});

describe('renderConstraints', () => {
  it('one exact pin per line, readable as a requirements file', async () => {
    const { matrix, snapshot, proposal } = await seedProposal();
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-write-'));
    const file = join(dir, 'constraints.txt');
    await writeFileAtomic(file, renderConstraints(matrix, snapshot, proposal, ctx));
    const body = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(body).toContain('tensorflow==2.15.1  # via tfdoctor: TFA_KERAS3_KERAS_SRC_ENGINE, tfdoctor: TF_DISTRIBUTIONS_SHARE_PACKAGE');
    for (const l of body) expect(l).toMatch(/^[A-Za-z0-9._-]+==\S+ {2}# /);
    const back = await snapshotFromRequirements(file, { pythonVersion: '3.10', platform: linux });
    expect(Object.keys(back.distributions)).toHaveLength(body.length);
    expect(back.distributions.onnx?.version).toBe('1.16.2');
  });
});

describe('renderCondaEnv', () => {
  it('parses as YAML: conda-forge, python X.Y, pip, and the pins under pip', async () => {
    const { matrix, snapshot, proposal } = await seedProposal();
    const doc = parse(renderCondaEnv(matrix, snapshot, proposal, { ...ctx, name: 'seed-fixed' })) as {
      name: string; channels: string[]; dependencies: (string | { pip: string[] })[];
    };
    expect(doc.name).toBe('seed-fixed');
    expect(doc.channels).toEqual(['conda-forge']);
    expect(doc.dependencies.slice(0, 2)).toEqual(['python=3.10', 'pip']);
    const pip = (doc.dependencies[2] as { pip: string[] }).pip;
    expect(pip).toEqual(pinnedLines(matrix, snapshot, proposal).map((l) => l.requirement));
    expect(pip).toContain('tensorflow==2.15.1');
    expect(pip).toContain('keras==2.15.0');
    expect(pip.some((p) => p.startsWith('ai-edge-tensorflow'))).toBe(false);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole, keeps its mode, reports unchanged content, and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-atomic-'));
    const file = join(dir, 'out.txt');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o600);
    expect(await writeFileAtomic(file, 'new\n')).toBe('written');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await writeFileAtomic(file, 'new\n')).toBe('unchanged');
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('refuses a folder and a missing parent folder with a UserError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-atomic-'));
    mkdirSync(join(dir, 'sub'));
    await expect(writeFileAtomic(join(dir, 'sub'), 'x')).rejects.toThrow(UserError);
    await expect(writeFileAtomic(join(dir, 'nope', 'out.txt'), 'x')).rejects.toThrow(/does not exist/);
    expect(readdirSync(dir)).toEqual(['sub']);
  });
});
