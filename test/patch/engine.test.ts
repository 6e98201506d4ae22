import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPatches } from '../../src/patch/apply.js';
import { loadCatalogue } from '../../src/patch/catalogue.js';
import { sha256 } from '../../src/patch/diff.js';
import { lockPath } from '../../src/patch/lock.js';
import { checkPatchAgainst, planPatches } from '../../src/patch/plan.js';
import { revertPatches } from '../../src/patch/revert.js';
import { appendJournal, readJournal, storeBackup } from '../../src/patch/state.js';
import { appliedPatches, patchStatus } from '../../src/patch/status.js';
import type { Catalogue } from '../../src/patch/types.js';
import { UserError } from '../../src/util/errors.js';
import { buildFixtureEnv, fixtureCatalogue, fixtureRoot, fixtureSnapshot, sha256File, treeHash, walk, type FixtureEnv } from './fixture-env.js';

const ORIGINAL = {
  core: 'e433ac2d785e0aed92a9878aee4e0bc59ed4f9d8f6e0b6f993506f8f3c731559',
  util: 'b67379c8d713dab8025bbad4c85ea12c8da9b0b49457507edaf7bccf9618e0e7',
};
const PATCHED = {
  // core.py is edited by demo-mapping, then again by demo-extra (which requires it)
  coreAfterMapping: '979f17d8dc7bcea327be2147aae3f61bb7e9ea887527cee17739769717ce7484',
  core: '19f1b0facc797d76e65bd25ae29606f82f5bcbb8dd4a114a0f8e4e54a94a7006',
  util: '248b412a13262f786f78a6e29c6e497a775fdb047af184f469f799d13794f3ea',
  extra: 'd322d75bd2dc72bb6d37b762774e06c3d08eba9e3aea7e628025bcd8b1ec34be',
};

let env: FixtureEnv;
let catalogue: Catalogue;
const stateDir = () => join(env.prefix, '.tfdoctor', 'patches');
const pkg = (f: string) => join(env.site, 'demo_pkg', f);

/** A refusal: the UserError thrown, asserted to be one. */
async function refusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

beforeEach(async () => {
  env = buildFixtureEnv({ compile: true });
  catalogue = await loadCatalogue(fixtureCatalogue);
});
afterEach(() => {
  rmSync(env.prefix, { recursive: true, force: true });
});

describe('catalogue and plan', () => {
  it('loads the fixture catalogue in requires order', () => {
    // files sort demo-extra before demo-mapping; requires puts demo-mapping first
    expect(catalogue.patches.map((p) => p.id)).toEqual(['demo-mapping', 'demo-extra', 'demo-future']);
    expect(catalogue.patches[0]!.distribution).toBe('demo-pkg'); // demo_pkg normalised
  });

  it('self-checks each fixture patch against the real original files', () => {
    const spec = catalogue.patches.find((p) => p.id === 'demo-mapping')!;
    expect(checkPatchAgainst(spec, 'demo_pkg/core.py', readFileSync(pkg('core.py')))).toBeNull();
    expect(checkPatchAgainst(spec, 'demo_pkg/util.py', readFileSync(pkg('util.py')))).toBeNull();
    expect(checkPatchAgainst(spec, 'demo_pkg/util.py', Buffer.from('other'))).toMatch(/is not original_sha256/);
  });

  it('plans apply / skip with reasons on a fresh env', async () => {
    const plans = await planPatches(catalogue, fixtureSnapshot(env));
    expect(plans.map((p) => [p.id, p.decision])).toEqual([['demo-mapping', 'apply'], ['demo-extra', 'apply'], ['demo-future', 'skip']]);
    expect(plans[2]!.reason).toBe('made for demo-pkg==2.0.0, installed 1.0.0');
    expect(plans[1]!.files.map((f) => [f.path, f.action])).toEqual([['demo_pkg/core.py', 'apply'], ['demo_pkg/extra.py', 'apply']]);
  });

  it('skips a patch whose distribution is absent', async () => {
    const snap = fixtureSnapshot(env);
    delete snap.distributions['demo-pkg'];
    const plans = await planPatches(catalogue, snap);
    expect(plans.every((p) => p.decision === 'skip' && p.reason === 'demo-pkg is not installed')).toBe(true);
  });

  it('--only brings the required patches along and rejects unknown ids', async () => {
    const plans = await planPatches(catalogue, fixtureSnapshot(env), { only: ['demo-extra'] });
    expect(plans.map((p) => p.id)).toEqual(['demo-mapping', 'demo-extra']);
    await expect(planPatches(catalogue, fixtureSnapshot(env), { only: ['nope'] })).rejects.toThrow(/unknown patch id "nope"/);
  });
});

describe('apply, re-apply, revert', () => {
  it('apply writes the patched bytes, clears only the touched modules\' bytecode, keeps state outside the package', async () => {
    const pycBefore = readdirSync(pkg('__pycache__'));
    expect(pycBefore.some((n) => n.startsWith('core.'))).toBe(true);
    const outcome = await applyPatches(catalogue, fixtureSnapshot(env));
    expect(outcome.written).toBe(4); // util, core (twice: two patches), extra
    expect(sha256File(pkg('core.py'))).toBe(PATCHED.core);
    expect(sha256File(pkg('util.py'))).toBe(PATCHED.util);
    expect(sha256File(pkg('extra.py'))).toBe(PATCHED.extra);
    const pycAfter = readdirSync(pkg('__pycache__'));
    expect(pycAfter.filter((n) => n.startsWith('core.') || n.startsWith('util.'))).toEqual([]);
    expect(pycAfter.some((n) => n.startsWith('__init__.'))).toBe(true);
    // nothing but the patched / created files changed inside site-packages: no temp files, no backups
    const names = walk(env.site).map((p) => p.slice(env.site.length + 1)).filter((p) => !p.includes('__pycache__'));
    expect(names.sort()).toEqual(['demo_pkg-1.0.0.dist-info/INSTALLER', 'demo_pkg-1.0.0.dist-info/METADATA', 'demo_pkg-1.0.0.dist-info/RECORD',
      'demo_pkg-1.0.0.dist-info/WHEEL', 'demo_pkg-1.0.0.dist-info/top_level.txt', 'demo_pkg/__init__.py', 'demo_pkg/core.py', 'demo_pkg/extra.py', 'demo_pkg/util.py']);
    expect(outcome.stateDir).toBe(stateDir());
    expect(existsSync(lockPath(stateDir()))).toBe(false);
    // the original bytes are in the content-addressed backups
    expect(readdirSync(join(stateDir(), 'backups')).sort()).toEqual([ORIGINAL.core, PATCHED.coreAfterMapping, ORIGINAL.util].sort());
    if (env.python) {
      const r = spawnSync(env.python, ['-c', 'import demo_pkg.core as c, demo_pkg.extra as e; print(c.describe(7), c.version(), e.extra())'], { encoding: 'utf8' });
      expect(r.stdout.trim()).toBe('dtype int64 1.0.0+patched 42');
    }
  });

  it('applying twice changes nothing the second time (tree and journal byte-identical)', async () => {
    await applyPatches(catalogue, fixtureSnapshot(env));
    const tree = treeHash(env.prefix);
    const journal = readFileSync(join(stateDir(), 'journal.jsonl'));
    const second = await applyPatches(catalogue, fixtureSnapshot(env));
    expect(second.written).toBe(0);
    expect(second.plans.map((p) => p.decision)).toEqual(['already-applied', 'already-applied', 'skip']);
    expect(treeHash(env.prefix)).toBe(tree);
    expect(readFileSync(join(stateDir(), 'journal.jsonl')).equals(journal)).toBe(true);
  });

  it('revert --all restores the byte-identical tree, and is idempotent', async () => {
    const before = treeHash(env.site);
    await applyPatches(catalogue, fixtureSnapshot(env));
    expect(treeHash(env.site)).not.toBe(before);
    const out = await revertPatches(fixtureSnapshot(env), { ids: [], all: true });
    expect(out.reverted).toEqual(['demo-mapping', 'demo-extra']);
    expect(treeHash(env.site)).toBe(before);
    const again = await revertPatches(fixtureSnapshot(env), { ids: [], all: true });
    expect(again).toMatchObject({ reverted: [], written: 0 });
    expect(treeHash(env.site)).toBe(before);
    const status = await patchStatus(catalogue, fixtureSnapshot(env));
    expect(status.patches.map((p) => p.state)).toEqual(['not-applied', 'not-applied', 'not-relevant']);
  });

  it('reverting a patch another applied patch requires is refused unless both go', async () => {
    await applyPatches(catalogue, fixtureSnapshot(env));
    const err = await refusal(revertPatches(fixtureSnapshot(env), { ids: ['demo-mapping'], all: false }));
    expect(err.message).toMatch(/demo-extra requires demo-mapping/);
    expect(sha256File(pkg('core.py'))).toBe(PATCHED.core);
    const out = await revertPatches(fixtureSnapshot(env), { ids: ['demo-extra'], all: false });
    expect(out.reverted).toEqual(['demo-extra']);
    expect(sha256File(pkg('core.py'))).toBe(PATCHED.coreAfterMapping);
    expect(existsSync(pkg('extra.py'))).toBe(false);
    expect((await appliedPatches(fixtureSnapshot(env), catalogue)).map((p) => p.id)).toEqual(['demo-mapping']);
  });
});

describe('refusals leave everything unchanged', () => {
  it('a hand-edited target file is refused by name; nothing changed, no state created', async () => {
    writeFileSync(pkg('util.py'), `${readFileSync(pkg('util.py'), 'utf8')}# my local fix\n`);
    const before = treeHash(env.prefix);
    const err = await refusal(applyPatches(catalogue, fixtureSnapshot(env)));
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/^refused, nothing was changed: demo-mapping: demo_pkg\/util\.py has unexpected content: sha256 [0-9a-f]{64}/);
    expect(treeHash(env.prefix)).toBe(before);
    expect(existsSync(join(env.prefix, '.tfdoctor'))).toBe(false);
  });

  it('--force patches over a local edit the diff still applies to, and revert brings the edit back', async () => {
    const edited = readFileSync(pkg('util.py'), 'utf8').replace('return x * factor', 'return x * factor  # local');
    writeFileSync(pkg('util.py'), edited);
    const before = treeHash(env.site);
    const out = await applyPatches(catalogue, fixtureSnapshot(env), { force: true });
    expect(out.plans[0]!.files.find((f) => f.path === 'demo_pkg/util.py')).toMatchObject({ action: 'conflict', forced: true });
    expect(readFileSync(pkg('util.py'), 'utf8')).toContain('return {1: "float32", 7: "int64"}');
    expect(readFileSync(pkg('util.py'), 'utf8')).toContain('# local');
    const status = await patchStatus(catalogue, fixtureSnapshot(env));
    expect(status.patches[0]!.state).toBe('applied');
    await revertPatches(fixtureSnapshot(env), { ids: [], all: true });
    expect(treeHash(env.site)).toBe(before);
    expect(readFileSync(pkg('util.py'), 'utf8')).toBe(edited);
  });

  it('a read-only package folder is refused in one line before anything is written', async () => {
    // chmod alone does not stop root; an immutable folder (chattr +i, ext4/xfs/btrfs/tmpfs) does
    const root = process.getuid?.() === 0;
    const dir = join(env.site, 'demo_pkg');
    if (root) {
      const r = spawnSync('chattr', ['+i', dir], { encoding: 'utf8' });
      expect(r.status, `chattr +i failed, so this root run cannot make a read-only folder: ${r.stderr}`).toBe(0);
    } else {
      chmodSync(dir, 0o555);
    }
    try {
      const before = treeHash(env.prefix);
      const err = await refusal(applyPatches(catalogue, fixtureSnapshot(env)));
      expect(err.message).toMatch(new RegExp(`^cannot write ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (not permitted \\(immutable\\?\\)|permission denied); nothing was changed$`));
      expect(err.exitCode).toBe(1);
      expect(treeHash(env.prefix)).toBe(before);
      expect(existsSync(join(env.prefix, '.tfdoctor'))).toBe(false);
    } finally {
      if (root) spawnSync('chattr', ['-i', dir]);
      else chmodSync(dir, 0o755);
    }
  });

  it('a concurrent run holding the lock is refused; a stale lock (dead pid) is taken over', async () => {
    mkdirSync(stateDir(), { recursive: true });
    const holder = spawn('sleep', ['30']);
    try {
      writeFileSync(lockPath(stateDir()), JSON.stringify({ pid: holder.pid, procStart: null, host: (await import('node:os')).hostname(), startedAt: 'now', command: 'fix --apply-patches' }));
      const before = treeHash(env.site);
      const err = await refusal(applyPatches(catalogue, fixtureSnapshot(env)));
      expect(err.message).toMatch(new RegExp(`another tfdoctor run \\(pid ${holder.pid}, fix --apply-patches, started now\\) holds the lock`));
      expect(treeHash(env.site)).toBe(before);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((r) => holder.once('exit', r));
    // the holder is gone now: its lock is stale
    const out = await applyPatches(catalogue, fixtureSnapshot(env));
    expect(out.written).toBe(4);
    expect(existsSync(lockPath(stateDir()))).toBe(false);
  });
});

describe('status and drift', () => {
  it('tells applied, reverted-by-reinstall and drifted apart; revert refuses a drifted file by name', async () => {
    await applyPatches(catalogue, fixtureSnapshot(env));
    let s = await patchStatus(catalogue, fixtureSnapshot(env));
    expect(s.patches.map((p) => [p.id, p.state, p.recorded])).toEqual([
      ['demo-mapping', 'applied', true], ['demo-extra', 'applied', true], ['demo-future', 'not-relevant', false]]);
    // what pip install --force-reinstall does: the RECORD files come back, extra files stay
    copyFileSync(join(fixtureRoot, 'site', 'demo_pkg', 'core.py'), pkg('core.py'));
    copyFileSync(join(fixtureRoot, 'site', 'demo_pkg', 'util.py'), pkg('util.py'));
    s = await patchStatus(catalogue, fixtureSnapshot(env));
    expect(s.patches[0]!.state).toBe('reverted-by-reinstall');
    expect(s.patches[1]!.state).toBe('drifted'); // core.py original, extra.py still there
    writeFileSync(pkg('util.py'), 'edited = True\n');
    s = await patchStatus(catalogue, fixtureSnapshot(env));
    expect(s.patches[0]!.state).toBe('drifted');
    expect(s.patches[0]!.files.find((f) => f.path === 'demo_pkg/util.py')!.state).toBe('other');
    const before = treeHash(env.site);
    const err = await refusal(revertPatches(fixtureSnapshot(env), { ids: [], all: true }));
    expect(err.message).toContain(`${pkg('util.py')} changed after patching`);
    expect(treeHash(env.site)).toBe(before);
  });
});

describe('crash recovery', () => {
  it('an interrupted apply (journal intent, file renamed, no commit) is rolled back, then applied fully', async () => {
    const original = readFileSync(pkg('util.py'));
    const sd = stateDir();
    mkdirSync(sd, { recursive: true });
    await storeBackup(sd, original);
    // the state a SIGKILL right after the rename of the first file leaves behind
    const patched = readFileSync(join(fixtureRoot, 'site', 'demo_pkg', 'util.py'), 'utf8').replace(
      'raise ImportError("module \'onnx\' has no attribute \'mapping\'")', 'return {1: "float32", 7: "int64"}');
    expect(sha256(patched)).toBe(PATCHED.util);
    appendJournal(sd, { t: 'begin', txn: 't1', action: 'apply', patches: ['demo-mapping'], time: 'x', pid: 999999 });
    appendJournal(sd, { t: 'intent', txn: 't1', patch: 'demo-mapping', path: 'demo_pkg/util.py', abs: pkg('util.py'), from: ORIGINAL.util, to: PATCHED.util, tmp: join(env.site, 'demo_pkg', '.util.py.tfdoctor-t1.tmp') });
    writeFileSync(pkg('util.py'), patched);
    // plus a torn journal line from the moment of the kill
    writeFileSync(join(sd, 'journal.jsonl'), `${readFileSync(join(sd, 'journal.jsonl'), 'utf8')}{"t":"done","tx`);
    const status = await patchStatus(catalogue, fixtureSnapshot(env));
    expect(status.interrupted).toEqual({ action: 'apply', patches: ['demo-mapping'] });
    const out = await applyPatches(catalogue, fixtureSnapshot(env));
    expect(out.recovered).toMatchObject({ txn: 't1', restored: [pkg('util.py')], leftAsIs: [] });
    expect(out.written).toBe(4);
    expect(sha256File(pkg('util.py'))).toBe(PATCHED.util);
    const entries = await readJournal(sd);
    expect(entries.map((e) => e.t)).toEqual(['begin', 'intent', 'rollback', 'begin', ...Array(8).fill(0).map((_, i) => (i % 2 ? 'done' : 'intent')), 'commit']);
    await revertPatches(fixtureSnapshot(env), { ids: [], all: true });
    expect(readFileSync(pkg('util.py')).equals(original)).toBe(true);
  });
});
