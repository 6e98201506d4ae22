// The Node entry, dist/tfdoctor.cjs (bin/tfdoctor execs it; built by esbuild as a small CommonJS file,
// scripts/bundle.mjs). CommonJS because Node starts it without its ES module loader, which would cost
// more than all of `tfdoctor --version`; that answer needs only package.json and comes from here.
// Everything else runs the program bundle (one CommonJS file whose modules initialise only when used;
// for convert, the same program without the other commands' modules) through V8's code cache
// (src/cli/code-cache.ts, loaded only then). TFDOCTOR_NO_CODE_CACHE=1 runs it without one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The program bundle's file name in dist/, content-hashed; set by scripts/bundle.mjs. */
declare const TFDOCTOR_PROGRAM_BUNDLE: string;
/** The same program without the other commands' modules, run for `tfdoctor convert` (half the code to load). */
declare const TFDOCTOR_CONVERT_BUNDLE: string;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version}\n`);
} else {
  void Promise.all([import('./code-cache.js'), import('../util/cache-dir.js')]).then(([{ codeCacheFile, runBundle }, { cacheDir }]) => {
    // one cache per command word (a typo's is pruned in time): each holds what its own runs compile
    const command = /^[a-z]{1,16}$/.test(args[0] ?? '') ? args[0]! : 'other';
    const bundle = join(__dirname, command === 'convert' ? TFDOCTOR_CONVERT_BUNDLE : TFDOCTOR_PROGRAM_BUNDLE);
    let cacheFile: string | null = null;
    if (!process.env.TFDOCTOR_NO_CODE_CACHE) {
      try {
        cacheFile = codeCacheFile(cacheDir(), bundle, command);
      } catch {
        // no home folder to put a cache in: run without one
      }
    }
    try {
      runBundle(bundle, cacheFile);
    } catch (err) {
      process.stderr.write(`tfdoctor: could not load its program (${err instanceof Error ? err.message : String(err)}); reinstall tfdoctor\n`);
      process.exitCode = 2;
    }
  });
}
