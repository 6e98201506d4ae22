// The fix / patch commands end to end on the fixture venv, through the real env layer (one
// probe of the venv's interpreter), with the fixture catalogue (TFDOCTOR_PATCHES_DIR).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/program.js';
import { appendJournal } from '../../src/patch/state.js';
import { buildFixtureEnv, fixtureCatalogue, sha256File, treeHash, type FixtureEnv } from './fixture-env.js';

let env: FixtureEnv;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; });
  process.exitCode = undefined;
  try {
    const code = await run(['node', 'tfdoctor', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

beforeAll(() => {
  vi.stubEnv('TFDOCTOR_PATCHES_DIR', fixtureCatalogue);
  vi.stubEnv('NO_COLOR', '1');
  env = buildFixtureEnv();
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(env.prefix, { recursive: true, force: true });
});

describe('tfdoctor fix / patch on the fixture venv', () => {
  let pristine: string;
  beforeAll(() => { pristine = treeHash(env.site); });

  it('fix shows the plan and the command to apply it, changing nothing', async () => {
    expect(env.python, 'python3 is needed to probe the fixture venv').not.toBeNull();
    const r = await cli('fix', '--venv', env.prefix);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Patch plan for venv ${env.prefix}:`);
    expect(r.stdout).toMatch(/apply\s+demo-mapping\s+Replace the removed mapping in the demo package \(demo-pkg 1\.0\.0: 2 files to write\)/);
    expect(r.stdout).toMatch(/skip\s+demo-future\s+made for demo-pkg==2\.0\.0, installed 1\.0\.0/);
    expect(r.stdout).toContain(`to apply: tfdoctor fix --apply-patches --yes --venv ${env.prefix}`);
    expect(treeHash(env.site)).toBe(pristine);
  });

  it('--apply-patches without --yes on a non-TTY stdin refuses with a hint', async () => {
    const isTTY = process.stdin.isTTY;
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    try {
      const r = await cli('fix', '--apply-patches', '--venv', env.prefix, '--no-probe');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('tfdoctor: refusing to change the env without confirmation: stdin is not a terminal\n  hint: pass --yes to apply\n');
    } finally {
      Object.defineProperty(process.stdin, 'isTTY', { value: isTTY, configurable: true });
    }
    expect(treeHash(env.site)).toBe(pristine);
  });

  it('--apply-patches --yes --json applies and reports the written files', async () => {
    const r = await cli('fix', '--apply-patches', '--yes', '--no-probe', '--json', '--venv', env.prefix);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { applied: string[]; written: number; plan: { id: string; decision: string }[] };
    expect(doc.applied).toEqual(['demo-mapping', 'demo-extra']);
    expect(doc.written).toBe(4);
    expect(sha256File(join(env.site, 'demo_pkg', 'extra.py'))).toBe('d322d75bd2dc72bb6d37b762774e06c3d08eba9e3aea7e628025bcd8b1ec34be');
  });

  it('patch status lists applied patches; a second apply has nothing to do', async () => {
    const s = await cli('patch', 'status', '--venv', env.prefix);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/applied\s+demo-mapping/);
    expect(s.stdout).toMatch(/not relevant\s+demo-future/);
    const again = await cli('fix', '--apply-patches', '--yes', '--no-probe', '--venv', env.prefix);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do: every relevant patch is already applied');
  });

  it('a reinstall that undoes a patch shows in status with exit 1', async () => {
    const util = join(env.site, 'demo_pkg', 'util.py');
    const patched = readFileSync(util);
    writeFileSync(util, readFileSync(join(fixtureCatalogue, '..', 'site', 'demo_pkg', 'util.py')));
    const s = await cli('patch', 'status', '--json', '--venv', env.prefix);
    expect(s.code).toBe(1);
    const doc = JSON.parse(s.stdout) as { patches: { id: string; state: string }[] };
    expect(doc.patches.find((p) => p.id === 'demo-mapping')!.state).toBe('drifted'); // util original, core still patched
    writeFileSync(util, patched);
  });

  it('patch revert --all restores the pristine tree; again is a no-op; usage errors exit 2', async () => {
    const r = await cli('patch', 'revert', '--all', '--venv', env.prefix);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reverted demo-mapping, demo-extra (4 files restored to the original bytes)');
    expect(treeHash(env.site)).toBe(pristine);
    expect(existsSync(join(env.site, 'demo_pkg', 'extra.py'))).toBe(false);
    const again = await cli('patch', 'revert', '--all', '--venv', env.prefix);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to revert');
    expect((await cli('patch', 'revert', '--venv', env.prefix)).code).toBe(2);
    const unknown = await cli('patch', 'revert', 'no-such-patch', '--venv', env.prefix);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('tfdoctor: unknown patch id "no-such-patch"\n');
  });

  it('a conflict exits 1 with the file named and nothing changed', async () => {
    const core = join(env.site, 'demo_pkg', 'core.py');
    writeFileSync(core, `${readFileSync(core, 'utf8')}# edited\n`);
    const before = treeHash(env.prefix);
    const r = await cli('fix', '--apply-patches', '--yes', '--no-probe', '--venv', env.prefix);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tfdoctor: refused, nothing was changed: demo-mapping: demo_pkg\/core\.py has unexpected content/);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // the line and its hint
    expect(r.stderr).toContain('hint: to get the original files back: pip install --force-reinstall --no-deps demo-pkg==1.0.0');
    expect(treeHash(env.prefix)).toBe(before);
  });

  it('an interrupted run shows in status (exit 1) and is rolled back by the next fix --apply-patches', async () => {
    writeFileSync(join(env.site, 'demo_pkg', 'core.py'), readFileSync(join(fixtureCatalogue, '..', 'site', 'demo_pkg', 'core.py')));
    const stateDir = join(env.prefix, '.tfdoctor', 'patches');
    appendJournal(stateDir, { t: 'begin', txn: 'crashed', action: 'apply', patches: ['demo-mapping'], time: 'then', pid: 999_999 });
    const s = await cli('patch', 'status', '--venv', env.prefix);
    expect(s.code).toBe(1);
    expect(s.stdout).toContain('an interrupted apply of demo-mapping is pending');
    const r = await cli('fix', '--apply-patches', '--yes', '--no-probe', '--venv', env.prefix);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('an interrupted apply of demo-mapping was rolled back first (0 files restored)');
    expect(r.stdout).toContain('applied demo-mapping, demo-extra');
    expect((await cli('patch', 'revert', '--all', '--venv', env.prefix)).code).toBe(0);
    expect(treeHash(env.site)).toBe(pristine);
  });
});
