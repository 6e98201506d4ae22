// The solver pieces fix adds to lock's (all opt-in): the installed version first and then the nearest
// ("fewest changes"), a variable left out as "uninstall" that a chosen release's Requires-Dist must not
// need, and fix's requirement lines. Index answers are the real wheels' METADATA files of
// test/fixtures/pyindex/metadata; the release lists are the versions those projects have on PyPI.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { aimedRoutes, requestFor } from '../../src/fix/plans.js';
import { buildDomain } from '../../src/lock/domain.js';
import { solve } from '../../src/lock/solve.js';
import { loadLockSpecs } from '../../src/lock/spec.js';
import type { IndexFacts, IndexProject, Target } from '../../src/lock/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { parseCoreMetadata } from '../../src/pyindex/metadata.js';
import { snapshotFromRequirements } from '../../src/env/requirements.js';

const meta = (file: string) => parseCoreMetadata(readFileSync(new URL(`../fixtures/pyindex/metadata/${file}`, import.meta.url), 'utf8'));
const target: Target = { python: '3.12.0', platform: { system: 'linux', machine: 'x86_64' } };
const wheel = (name: string, version: string) => ({ filename: `${name}-${version}-py3-none-any.whl`, url: `https://x/${name}-${version}.whl`, requiresPython: '', hasMetadata: true, yanked: false });

// tensorflow's 2.x minor lines' newest releases (PyPI), and onnx-tf's only 1.10 release
const projects: Record<string, IndexProject> = {
  tensorflow: { name: 'tensorflow', sources: ['test'], releases: ['2.20.0', '2.19.1', '2.18.1', '2.17.1', '2.16.2', '2.15.1', '2.21.0'].map((v) => ({ version: v, files: [wheel('tensorflow', v)] })) },
  'onnx-tf': { name: 'onnx-tf', sources: ['test'], releases: [{ version: '1.10.0', files: [wheel('onnx_tf', '1.10.0')] }] },
  // tensorflow-addons 0.23.0 has no cp312 wheel: the filter below turns every release down
  'tensorflow-addons': { name: 'tensorflow-addons', sources: ['test'], releases: [{ version: '0.23.0', files: [wheel('tensorflow_addons', '0.23.0')] }] },
};
const metadata: Record<string, ReturnType<typeof meta>> = { 'onnx-tf 1.10.0': meta('onnx_tf-1.10.0.METADATA'), 'tensorflow 2.20.0': meta('tensorflow-2.20.0.METADATA') };
const facts: IndexFacts = {
  project: async (name) => projects[name] ?? null,
  metadata: async (name, version) => metadata[`${name} ${version}`] ?? { name, version, requiresPython: '', requiresDist: [], from: 'none' },
};
const noCp312 = (r: { version: string }) => (r.version === '0.23.0' ? { ok: false as const, tagsSeen: ['cp39', 'cp310', 'cp311'] } : { ok: true as const });

describe('fewest changes: the installed version first, then the nearest', () => {
  it('orders tensorflow releases by distance from the installed 2.18.1 (ties: the newer first)', async () => {
    const d = await buildDomain({ name: 'tensorflow', optional: false, extras: [] }, facts, target, { filter: () => ({ ok: true }), prefer: '2.18.1' });
    expect(d.candidates.map((c) => c.version)).toEqual(['2.18.1', '2.19.1', '2.17.1', '2.20.0', '2.16.2', '2.21.0', '2.15.1']);
  });

  it('a version between releases starts from the nearer side; without prefer, newest first', async () => {
    const between = await buildDomain({ name: 'tensorflow', optional: false, extras: [] }, facts, target, { filter: () => ({ ok: true }), prefer: '2.18.0' });
    expect(between.candidates.map((c) => c.version).slice(0, 3)).toEqual(['2.18.1', '2.17.1', '2.19.1']);
    const plain = await buildDomain({ name: 'tensorflow', optional: false, extras: [] }, facts, target, { filter: () => ({ ok: true }) });
    expect(plain.candidates[0]!.version).toBe('2.21.0');
  });
});

describe('uninstall semantics', () => {
  it('onnx-tf 1.10.0 kept with tensorflow-addons left out (no cp312 wheel) conflicts: its METADATA requires it', async () => {
    const matrix = await loadMatrix();
    const spec = (await loadLockSpecs()).find((s) => s.route === 'onnx-tf')!;
    const domains = await Promise.all([
      // onnx-tf must stay (no "left out" option)
      buildDomain({ name: 'onnx-tf', optional: false, extras: [] }, facts, target, { filter: noCp312, prefer: '1.10.0' }),
      buildDomain({ name: 'tensorflow-addons', optional: true, extras: [] }, facts, target, { filter: noCp312 }).then((d) => ({ ...d, absent: 'first' as const })),
    ]);
    expect(domains[1]!.candidates).toEqual([]);
    const input = {
      route: spec, target, domains, matrix, patches: [], allowPatches: false,
      evaluate: (s: Parameters<typeof evaluate>[1]) => evaluate(matrix, s, {}).findings,
      // no rule judged here: only what the Requires-Dist say
      blocks: () => false,
    };
    const strict = await solve({ ...input, absentMeansUninstalled: { names: new Set() } });
    expect(strict.ok).toBe(false);
    if (!strict.ok) {
      expect(strict.conflicts.map((c) => c.conflict)).toContainEqual({
        kind: 'requires', from: { name: 'onnx-tf', version: '1.10.0' }, requirement: 'tensorflow-addons', to: { name: 'tensorflow-addons', version: 'uninstalled' },
      });
    }
    // lock's meaning of null ("left to pip") accepts the same choice: the option is what tells them apart
    expect((await solve(input)).ok).toBe(true);
  });
});

describe('fix\'s requirement lines', () => {
  it('a planned env: the solver\'s pins, its other lines kept, left-out variables uninstalled; the route it aims at', async () => {
    const file = new URL('../real-env/envs/dualtf.txt', import.meta.url).pathname;
    const snapshot = await snapshotFromRequirements(file, { pythonVersion: '3.11', platform: { system: 'linux', machine: 'x86_64' } });
    const r = requestFor(snapshot, { ok: true, pins: [{ name: 'ai-edge-tensorflow', version: '2.21.0.dev20250818', extras: [] }], patches: [], exportSteps: [], warnings: [], nodes: 1, absent: ['tensorflow'] });
    expect(r).toEqual({ requested: ['ai-edge-tensorflow==2.21.0.dev20250818'], removals: ['tensorflow'], changes: [{ name: 'tensorflow', from: '2.20.0', to: null }] });
    const matrix = await loadMatrix();
    const specs = await loadLockSpecs();
    // neither onnx-tf, onnx2tf nor ai-edge-torch / litert-torch is in the file: no route is aimed at
    expect(aimedRoutes(evaluate(matrix, snapshot, {}).findings, specs)).toEqual([]);
  });
});
