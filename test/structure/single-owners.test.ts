// Structural rules of src/: each shared concern has one owner module, and nothing else re-implements
// or bypasses it. These read the source as text; a failure names the offending files.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir = join(root, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [relative(root, path)] : [];
  });
}

const files = sourceFiles();
const text = new Map(files.map((f) => [f, readFileSync(join(root, f), 'utf8')]));

/** Files whose text matches `pattern`. */
function filesMatching(pattern: RegExp): string[] {
  return files.filter((f) => pattern.test(text.get(f)!)).sort();
}

describe('one owner per concern in src/', () => {
  it('reads the whole source tree', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files).toContain('src/matrix/pep440.ts');
  });

  it('only src/matrix/pep440.ts imports the PEP 440 library', () => {
    // static imports, re-exports, dynamic import() and require() of the package or any of its files
    const importer = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"]@renovatebot\/pep440(?:\/[^'"]*)?['"]/;
    expect(filesMatching(importer)).toEqual(['src/matrix/pep440.ts']);
  });

  it('one normalizeName (PEP 503), in src/env/names.ts; no other module re-implements it', () => {
    expect(filesMatching(/function\s+normalizeName\b/)).toEqual(['src/env/names.ts']);
    // the PEP 503 run-of-separators pattern, written out anywhere else, is a second normalizeName
    expect(filesMatching(/\[-_\.\]\+|\[_\.-\]\+|\[\._-\]\+|\[-\._\]\+/)).toEqual(['src/env/names.ts']);
  });

  it('one parsePlatform, in src/env/target.ts', () => {
    expect(filesMatching(/function\s+parsePlatform\b/)).toEqual(['src/env/target.ts']);
  });

  it('the env flags are declared once, in src/cli/env-flags.ts', () => {
    const envFlag = /\.option\(\s*['"`]--(?:python|venv|conda-env|prefix|requirements|python-version|platform|with)\b/;
    expect(filesMatching(envFlag)).toEqual(['src/cli/env-flags.ts']);
  });

  it('converter refusals are data: refuse() takes a catalogued code (src/convert/refusals.ts), only src/convert/ir.ts builds a NodeRefusal', () => {
    // a refusal worded at its site (refuse(`...`), refuse('some words')) would bypass src/report/refusal.ts
    expect(filesMatching(/\brefuse\(\s*(?!'[a-z0-9]+(?:-[a-z0-9]+)*'\s*[,)])/)).toEqual([]);
    expect(filesMatching(/new\s+NodeRefusal\s*\(/)).toEqual(['src/convert/ir.ts']);
  });

  it('files are replaced through src/util/atomic-write.ts (the patch lock moves its stale lock aside itself)', () => {
    // pip-select moves a downloaded, checksummed wheel and an unpacked folder into place (moves, not writes)
    expect(filesMatching(/\brename(?:Sync)?\(\s*[\w$]/)).toEqual(['src/lock/pip-select.ts', 'src/patch/lock.ts', 'src/util/atomic-write.ts']);
  });
});
