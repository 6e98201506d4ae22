// The patch engine on a COPY of the real seed venv, driven through the built CLI as a user would:
// `fix --apply-patches --yes` with its before/after import probe, a second apply that changes
// nothing, `patch status`, `patch revert --all` back to a byte-identical site-packages, and the
// two refusals of issue #4 (a hand-edited target file, a read-only package folder), each with
// nothing changed.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error - plain ESM helper without types
import { ensureVenv } from '../../scripts/venvs.mjs';
import { resolveTarget } from '../../src/env/discover.js';
import { probeEnvironment } from '../../src/env/probe.js';
import { loadCatalogue } from '../../src/patch/catalogue.js';
import { planPatches } from '../../src/patch/plan.js';
import type { PatchPlan } from '../../src/patch/types.js';
import { treeHash } from '../patch/fixture-env.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mainJs = join(root, 'dist', 'tfdoctor.mjs');

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [mainJs, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fix --apply-patches / patch revert on a copy of the seed venv', () => {
  let work: string;
  let venv: string;
  let site: string;
  let pristine: string;
  let applicable: PatchPlan[] = [];

  beforeAll(async () => {
    expect(existsSync(mainJs), `build first (npm run build): ${mainJs} is missing`).toBe(true);
    const seed = ensureVenv('seed') as { dir: string };
    work = mkdtempSync(join(tmpdir(), 'tfdoctor-patch-engine-'));
    venv = join(work, 'venv');
    execFileSync('cp', ['-a', seed.dir, venv]);
    const snapshot = await probeEnvironment(await resolveTarget({ venv }));
    site = snapshot.sitePackages[0]!;
    applicable = (await planPatches(await loadCatalogue(), snapshot)).filter((p) => p.decision === 'apply');
    pristine = treeHash(site);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the shipped catalogue has patches that apply to the seed env', () => {
    expect(applicable.map((p) => p.id)).toContain('onnx-tf-onnx-mapping');
  });

  it('a hand-edited target file is refused by name, nothing changed', () => {
    const target = applicable[0]!.files.find((f) => f.action === 'apply')!;
    const original = readFileSync(target.absPath);
    writeFileSync(target.absPath, Buffer.concat([original, Buffer.from('# local edit\n')]));
    try {
      const before = treeHash(venv);
      const r = cli(['fix', '--apply-patches', '--yes', '--no-probe', '--venv', venv]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${applicable[0]!.id}: ${target.path} has unexpected content`);
      expect(treeHash(venv)).toBe(before);
      expect(existsSync(join(venv, '.tfdoctor'))).toBe(false);
    } finally {
      writeFileSync(target.absPath, original);
    }
  });

  it('a read-only package folder is refused in one line, nothing changed', () => {
    const dir = dirname(applicable[0]!.files[0]!.absPath);
    const root = process.getuid?.() === 0;
    // root ignores mode bits; the immutable attribute stops root too
    if (root) expect(spawnSync('chattr', ['+i', dir]).status, 'chattr +i is needed to make a folder read-only for root').toBe(0);
    else chmodSync(dir, 0o555);
    try {
      const before = treeHash(venv);
      const r = cli(['fix', '--apply-patches', '--yes', '--no-probe', '--venv', venv]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^tfdoctor: cannot write ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*; nothing was changed\\n`));
      expect(treeHash(venv)).toBe(before);
    } finally {
      if (root) spawnSync('chattr', ['-i', dir]);
      else chmodSync(dir, 0o755);
    }
  });

  it('applies with a before/after import probe; onnx_tf fails before and imports after, the onnx-tf route turns viable', () => {
    const r = cli(['fix', '--apply-patches', '--yes', '--json', '--venv', venv]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      applied: string[]; written: number;
      imports: { before: Record<string, { ok: boolean; error?: { type: string; message: string } }>; after: Record<string, { ok: boolean }> };
      routes: { before: { id: string; viable: boolean }[]; after: { id: string; viable: boolean }[] };
    };
    expect(doc.applied).toEqual(applicable.map((p) => p.id));
    expect(doc.written).toBe(applicable.reduce((n, p) => n + p.files.filter((f) => f.action === 'apply').length, 0));
    expect(doc.imports.before.onnx_tf!.ok).toBe(false);
    expect(doc.imports.after.onnx_tf!.ok).toBe(true);
    // check's verdict on the onnx-tf route, each with the deep probe of its moment
    expect(doc.routes.before.find((r) => r.id === 'onnx-tf')!.viable).toBe(false);
    expect(doc.routes.after.find((r) => r.id === 'onnx-tf')!.viable).toBe(true);
    for (const p of applicable) for (const f of p.files) expect(readFileSync(f.absPath).length).toBeGreaterThan(0);
  });

  it('applying twice changes nothing the second time; status says applied', () => {
    const tree = treeHash(venv);
    const r = cli(['fix', '--apply-patches', '--yes', '--no-probe', '--venv', venv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('nothing to do: every relevant patch is already applied');
    expect(treeHash(venv)).toBe(tree);
    const s = cli(['patch', 'status', '--json', '--venv', venv]);
    expect(s.code, s.stderr).toBe(0);
    const states = (JSON.parse(s.stdout) as { patches: { id: string; state: string }[] }).patches;
    for (const p of applicable) expect(states.find((x) => x.id === p.id)?.state).toBe('applied');
  });

  it('patch revert --all leaves site-packages byte-identical to before (sha256 of the tree, __pycache__ excluded)', () => {
    const r = cli(['patch', 'revert', '--all', '--venv', venv]);
    expect(r.code, r.stderr).toBe(0);
    expect(treeHash(site)).toBe(pristine);
  });
});
