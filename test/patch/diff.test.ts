import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiffError, applyFileDiff, parseUnifiedDiff, sha256 } from '../../src/patch/diff.js';
import { fixtureCatalogue, fixtureRoot } from './fixture-env.js';

const siteFile = (p: string) => readFileSync(join(fixtureRoot, 'site', p));

describe('parseUnifiedDiff', () => {
  it('reads several files, git-style a/ b/ prefixes and /dev/null', () => {
    const files = parseUnifiedDiff(readFileSync(join(fixtureCatalogue, 'demo-pkg==1.0.0', 'demo-extra.diff'), 'utf8'));
    expect(files.map((f) => [f.oldPath, f.newPath])).toEqual([
      ['demo_pkg/core.py', 'demo_pkg/core.py'],
      [null, 'demo_pkg/extra.py'],
    ]);
    expect(files[1]!.hunks[0]).toMatchObject({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 5 });
  });

  it('skips git headers and reports a hunk shorter than its header with the line', () => {
    const text = 'diff --git a/x.py b/x.py\nindex 1..2 100644\n--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n';
    expect(() => parseUnifiedDiff(text)).toThrow(DiffError);
    expect(() => parseUnifiedDiff(text)).toThrow(/line 5: .*shorter/);
  });

  it('rejects a --- without +++', () => {
    expect(() => parseUnifiedDiff('--- a/x.py\n@@ -1 +1 @@\n-a\n+b\n')).toThrow(/line 1/);
  });
});

describe('applyFileDiff', () => {
  it('turns the fixture originals into the patched bytes the catalogue names', () => {
    const [core, util] = parseUnifiedDiff(readFileSync(join(fixtureCatalogue, 'demo-pkg==1.0.0', 'demo-mapping.diff'), 'utf8'));
    expect(sha256(applyFileDiff(siteFile('demo_pkg/core.py'), core!)!)).toBe('979f17d8dc7bcea327be2147aae3f61bb7e9ea887527cee17739769717ce7484');
    expect(sha256(applyFileDiff(siteFile('demo_pkg/util.py'), util!)!)).toBe('248b412a13262f786f78a6e29c6e497a775fdb047af184f469f799d13794f3ea');
  });

  it('has no fuzz: one changed context character is refused, naming the line', () => {
    const [core] = parseUnifiedDiff(readFileSync(join(fixtureCatalogue, 'demo-pkg==1.0.0', 'demo-mapping.diff'), 'utf8'));
    const edited = Buffer.from(siteFile('demo_pkg/core.py').toString('utf8').replace('from . import util', 'from . import  util'));
    expect(() => applyFileDiff(edited, core!)).toThrow(/line 2 does not match the patch's context line/);
  });

  it('has no offset search: the same text one line lower is refused', () => {
    const [core] = parseUnifiedDiff(readFileSync(join(fixtureCatalogue, 'demo-pkg==1.0.0', 'demo-mapping.diff'), 'utf8'));
    const shifted = Buffer.concat([Buffer.from('# one more line\n'), siteFile('demo_pkg/core.py')]);
    expect(() => applyFileDiff(shifted, core!)).toThrow(DiffError);
  });

  it('creates a file from /dev/null and refuses to create one that exists', () => {
    const files = parseUnifiedDiff(readFileSync(join(fixtureCatalogue, 'demo-pkg==1.0.0', 'demo-extra.diff'), 'utf8'));
    expect(applyFileDiff(null, files[1]!)!.toString()).toBe('# Added by the demo-extra patch.\n\n\ndef extra():\n    return 42\n');
    expect(() => applyFileDiff(Buffer.from('x\n'), files[1]!)).toThrow(/already exists/);
  });

  it('keeps CRLF line ends and handles "No newline at end of file"', () => {
    const diff = '--- a/w.py\n+++ b/w.py\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n\\ No newline at end of file\n+c\r\n\\ No newline at end of file\n';
    const [f] = parseUnifiedDiff(diff);
    expect(applyFileDiff(Buffer.from('a\r\nb\r'), f!)!.toString()).toBe('a\r\nc\r');
    // a trailing newline the diff says is absent does not match
    expect(() => applyFileDiff(Buffer.from('a\r\nb\r\n'), f!)).toThrow(DiffError);
  });

  it('deletes a file when +++ is /dev/null and every line is removed', () => {
    const [f] = parseUnifiedDiff('--- a/gone.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n');
    expect(applyFileDiff(Buffer.from('x\ny\n'), f!)).toBeNull();
    expect(() => applyFileDiff(Buffer.from('x\ny\nz\n'), f!)).toThrow(/does not remove all/);
  });
});
