// Runs the program bundle (one CommonJS file) through V8's code cache. Node 20 has no compile cache
// for modules: every start parses and compiles the bundle's functions again. vm.Script takes the
// code V8 compiled in an earlier run (cachedData) and skips that work; the cache is written once per
// bundle, Node and command, after the command ran (so it holds the functions that command needed),
// and ignored when V8 rejects it (another V8, other flags). V8 checks only the source's length, not
// its content: the bundle's file name carries its content hash (scripts/bundle.mjs), and the cache
// file name carries the bundle's file name. A missing, unreadable or read-only cache folder only
// costs speed. Loaded by the launcher (dist/tfdoctor.cjs) on every start but --version: Node built-ins
// only; the atomic writer (which loads crypto) only when a cache is written.
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import * as vm from 'node:vm';

export type CodeCacheState = 'used' | 'absent' | 'rejected' | 'off';

/** Cache files kept; beyond this many (old builds, other Node versions) the least recently written go. */
export const MAX_CODE_CACHE_FILES = 32;

/**
 * The cache file of `bundle` for this Node, architecture, command and Node flags, under tfdoctor's
 * cache folder. V8 rejects a cache made under other V8 flags (a profiler's, a --max-old-space-size
 * a user sets): one file per flag set, so two ways of starting the same
 * command do not overwrite each other's cache at every run.
 */
export function codeCacheFile(cacheRoot: string, bundle: string, command: string, execArgv: readonly string[] = process.execArgv): string {
  const name = basename(bundle).replace(/\.c?js$/, '');
  const flags = execArgv.length ? `-flags${fnv1a(execArgv.join('\0'))}` : '';
  return join(cacheRoot, 'code-cache', `${name}-node${process.version.slice(1)}-${process.arch}-${command.replace(/[^a-z0-9-]/gi, '_')}${flags}.bin`);
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable name for a flag set (no crypto at start-up). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The name under which the wrapper hands the bundle an import() (scripts/bundle.mjs rewrites its calls to it). */
export const IMPORT_PARAMETER = '__tfdoctorLauncherImport';

/**
 * Node's own import(), for the bundle: an import() inside a vm.Script needs an experimental flag (or
 * an experimental constant that prints a warning), so the bundle's few dynamic imports of external
 * packages (the --verify runtimes, undici) come here. Bare specifiers resolve from dist/ as they
 * would from dist/bundle/.
 */
const importModule = (specifier: string): Promise<unknown> => import(specifier);

/**
 * Compiles and runs the CommonJS file `bundle` as Node's loader would (its own `require`, `module`,
 * `__filename`, `__dirname`), with V8's code cache from `cacheFile`; without one (null), through
 * Node's loader. Returns what the cache did.
 */
export function runBundle(bundle: string, cacheFile: string | null): CodeCacheState {
  const requireBundle = createRequire(bundle);
  if (cacheFile === null) {
    requireBundle(bundle);
    return 'off';
  }
  const source = readFileSync(bundle, 'utf8');
  const cachedData = readOwnFile(cacheFile);
  // the wrapper shares the first line with the source, so line numbers stay the file's own
  const wrapped = `(function (exports, require, module, __filename, __dirname, ${IMPORT_PARAMETER}) {${source.replace(/^#!/, '//')}\n})`;
  const script = new vm.Script(wrapped, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const state: CodeCacheState = !cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  // when the program is done (not at an explicit process.exit(): then the next run stores it), and not
  // after a usage error (exit 2: a mistyped command word would leave a cache file behind)
  if (state !== 'used') {
    process.once('beforeExit', () => {
      if (process.exitCode !== 2) void storeCodeCache(cacheFile, script);
    });
  }
  const module = { exports: {}, filename: bundle, id: bundle, loaded: false };
  (script.runInThisContext() as (...args: unknown[]) => void)
    .call(module.exports, module.exports, requireBundle, module, bundle, dirname(bundle), importModule);
  return state;
}

/**
 * The cache file's bytes when this user owns it; undefined when it is absent, unreadable or someone
 * else's (V8 runs the code it holds: a cache folder others can write to, such as a shared
 * TFDOCTOR_CACHE_DIR, must not hand this process their code). Checked on the open file.
 */
function readOwnFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const uid = process.getuid?.();
    if (uid !== undefined && fstatSync(fd).uid !== uid) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes the code V8 holds for `script` now, atomically; false when the folder is not writable. */
export async function storeCodeCache(cacheFile: string, script: vm.Script): Promise<boolean> {
  try {
    const data = script.createCachedData();
    const { writeAtomicSync } = await import('../util/atomic-write.js');
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeAtomicSync(cacheFile, data);
  } catch {
    return false;
  }
  pruneCodeCache(dirname(cacheFile), MAX_CODE_CACHE_FILES);
  return true;
}

function pruneCodeCache(dir: string, keep: number): void {
  try {
    const names = readdirSync(dir).filter((n) => n.endsWith('.bin'));
    if (names.length <= keep) return;
    const aged = names.map((n) => ({ path: join(dir, n), mtime: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => a.mtime - b.mtime);
    for (const { path } of aged.slice(0, aged.length - keep)) rmSync(path, { force: true });
  } catch {
    // another tfdoctor pruning at the same time, a read-only folder: nothing lost but disk
  }
}
