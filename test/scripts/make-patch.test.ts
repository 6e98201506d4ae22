// scripts/make-patch.mjs on a small tree: the diff it writes re-applies (with tfdoctor's own applier) to
// exactly the edited bytes, its YAML hashes are those of the two trees, a created file gets
// original_sha256: null, and an unchanged file is refused.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePatch } from '../../src/patch/catalogue.js';
import { applyFileDiff } from '../../src/patch/diff.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(root, 'scripts', 'make-patch.mjs');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const YAML = `id: demo-fix
distribution: demo-pkg
versions: "==1.0"
title: Demo
fixes: [DEMO_CODE]
evidence:
  - { kind: source, ref: demo }
files: []
`;

let work: string | undefined;
afterEach(() => { if (work) rmSync(work, { recursive: true, force: true }); work = undefined; });

function tree(base: string, files: Record<string, string>) {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, rel)), { recursive: true });
    writeFileSync(join(base, rel), text);
  }
}

function run(args: string[]) {
  return spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
}

describe('scripts/make-patch.mjs', () => {
  it('writes a diff that reproduces the edited tree and the hashes of both trees', () => {
    work = mkdtempSync(join(tmpdir(), 'make-patch-'));
    const orig = join(work, 'orig');
    const edited = join(work, 'edited');
    const body = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    tree(orig, { 'pkg/a.py': `${body}\nlast = 1` }); // no newline at end of file, as in onnx_tf/common/data_type.py
    tree(edited, { 'pkg/a.py': `${body.replace('line 3', 'line three')}\nlast = 2\n`, 'pkg/new.py': 'x = 1\n' });
    const yamlPath = join(work, 'demo-fix.yaml');
    writeFileSync(yamlPath, YAML);

    const r = run(['--orig', orig, '--edited', edited, '--yaml', yamlPath, 'pkg/a.py', 'pkg/new.py']);
    expect(r.status, r.stderr).toBe(0);
    const diffPath = join(work, 'demo-fix.diff');
    const spec = parsePatch(readFileSync(yamlPath, 'utf8'), yamlPath, readFileSync(diffPath, 'utf8'), diffPath);
    expect(spec.files).toEqual([
      { path: 'pkg/a.py', originalSha256: sha256(readFileSync(join(orig, 'pkg/a.py'))), patchedSha256: sha256(readFileSync(join(edited, 'pkg/a.py'))) },
      { path: 'pkg/new.py', originalSha256: null, patchedSha256: sha256(readFileSync(join(edited, 'pkg/new.py'))) },
    ]);
    expect(applyFileDiff(readFileSync(join(orig, 'pkg/a.py')), spec.diff[0]!)).toEqual(readFileSync(join(edited, 'pkg/a.py')));
    expect(applyFileDiff(null, spec.diff[1]!)).toEqual(readFileSync(join(edited, 'pkg/new.py')));
    expect(readFileSync(diffPath, 'utf8')).toMatch(/^--- a\/pkg\/a\.py\n\+\+\+ b\/pkg\/a\.py\n/);
    expect(readFileSync(yamlPath, 'utf8')).toContain('title: Demo'); // hand-written fields kept
  });

  it('refuses an unchanged file and a missing YAML, writing nothing', () => {
    work = mkdtempSync(join(tmpdir(), 'make-patch-'));
    tree(join(work, 'orig'), { 'a.py': 'x = 1\n' });
    tree(join(work, 'edited'), { 'a.py': 'x = 1\n' });
    const yamlPath = join(work, 'demo-fix.yaml');
    writeFileSync(yamlPath, YAML);
    const same = run(['--orig', join(work, 'orig'), '--edited', join(work, 'edited'), '--yaml', yamlPath, 'a.py']);
    expect(same.status).toBe(2);
    expect(same.stderr).toBe('make-patch: a.py is unchanged: drop it from the list\n');
    expect(readFileSync(yamlPath, 'utf8')).toBe(YAML);
    const noYaml = run(['--orig', join(work, 'orig'), '--edited', join(work, 'edited'), '--yaml', join(work, 'nope.yaml'), 'a.py']);
    expect(noYaml.status).toBe(2);
    expect(noYaml.stderr).toMatch(/^make-patch: .*nope\.yaml does not exist/);
  });
});
