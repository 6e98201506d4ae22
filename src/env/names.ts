// Naming facts shared by the probe and the requirements reader.

/** PEP 503 normalised project name: runs of -, _ and . become one -, lower case. */
export function normalizeName(name: string): string {
  let n = normalized.get(name);
  if (n === undefined) {
    n = name.replace(/[-_.]+/g, '-').toLowerCase();
    // the solver asks for the same few hundred names millions of times; the set of names is small
    if (normalized.size < 100_000) normalized.set(name, n);
  }
  return n;
}

const normalized = new Map<string, string>();

// A RECORD entry names importable code when it is a module file, or any file inside a package folder.
const MODULE_FILE = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z0-9_-]+)*\.(?:py|pyc|pyi|so|pyd)$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Top-level import packages provided by a distribution, derived from its RECORD paths:
 * the first component of each path that leads to code (a package folder or a module file),
 * leaving out metadata folders, caches, scripts outside site-packages (../bin) and *.data.
 */
export function importPackagesFromRecord(files: readonly string[]): string[] {
  const found = new Set<string>();
  const rejected = new Set<string>();
  for (const raw of files) {
    const path = raw.includes('\\') ? raw.replace(/\\/g, '/') : raw;
    const slash = path.indexOf('/');
    if (slash === -1) {
      // a top-level module file: foo.py, foo.cpython-311-x86_64-linux-gnu.so
      const m = MODULE_FILE.exec(path);
      if (m?.[1] && m[1] !== '__pycache__') found.add(m[1]);
      continue;
    }
    const first = path.slice(0, slash);
    // RECORDs list thousands of files under a few top folders: decide each folder once
    if (found.has(first) || rejected.has(first)) continue;
    if (first === '..' || first === '' || first === '__pycache__' || first.endsWith('.dist-info') || first.endsWith('.egg-info')
      || first.endsWith('.data') || !IDENTIFIER.test(first)) {
      rejected.add(first);
      continue;
    }
    // a folder counts only when it holds code somewhere (not e.g. a share/ or include/ tree of data)
    if (isCodeFile(path)) found.add(first);
  }
  return [...found].sort();
}

function isCodeFile(path: string): boolean {
  return path.endsWith('.py') || path.endsWith('.so') || path.endsWith('.pyc') || path.endsWith('.pyi') || path.endsWith('.pyd');
}
