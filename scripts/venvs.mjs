#!/usr/bin/env node
// Builds and caches the real Python environments the real-env tests, benchmarks and
// generators run against. An env is described by test/real-env/envs/<name>.txt
// (pip requirement lines, optionally split into install steps by `# step: <pip args>`)
// and cached under <cache>/tfdoctor/venvs/<name>-<hash>, the hash covering the file
// and the base interpreter's version, so changing a pin builds a new env. A spec line
// `# python: X.Y` builds that env from pythonX.Y instead (e.g. a tool that needs a newer Python).
// venvs are not relocatable, so a build happens at its final path and is marked usable
// (`.complete`) only at the end: an interrupted build is thrown away and rebuilt.
import { createHash } from 'node:crypto';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const envSpecDir = resolve(here, '..', 'test', 'real-env', 'envs');

export function cacheRoot() {
  const base = process.env.TFDOCTOR_CACHE_DIR
    ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tfdoctor');
  return join(base, 'venvs');
}

/** The interpreter venvs are made from: $TFDOCTOR_TEST_PYTHON, else python3.11, else python3. */
export function basePython() {
  if (process.env.TFDOCTOR_TEST_PYTHON) return process.env.TFDOCTOR_TEST_PYTHON;
  for (const cand of ['python3.11', 'python3']) {
    const r = spawnSync(cand, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim();
  }
  throw new Error('no python3 found to build test venvs');
}

/** The interpreter an env is made from: pythonX.Y for a `# python: X.Y` spec line, else basePython(). */
export function specPython(spec) {
  const want = /^#\s*python:\s*(\d+\.\d+)\s*$/m.exec(spec)?.[1];
  if (!want) return basePython();
  // pythonX.Y on PATH, else a pyenv install of X.Y (its shim answers only for the pyenv-selected versions)
  const pyenvVersions = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  const installed = existsSync(pyenvVersions)
    ? readdirSync(pyenvVersions).filter((v) => v.startsWith(`${want}.`)).sort().reverse().map((v) => join(pyenvVersions, v, 'bin', `python${want}`))
    : [];
  for (const cand of [`python${want}`, ...installed]) {
    const r = spawnSync(cand, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return r.stdout.trim();
  }
  throw new Error(`env spec asks for Python ${want}: no python${want} on PATH or under ${pyenvVersions}`);
}

/** Parses an env spec into install steps: [{ args: string[], requirements: string[] }]. */
export function parseSpec(text) {
  const steps = [{ args: [], requirements: [] }];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const step = /^#\s*step:\s*(.*)$/.exec(line);
    if (step) { steps.push({ args: step[1].split(/\s+/).filter(Boolean), requirements: [] }); continue; }
    if (!line || line.startsWith('#')) continue;
    steps.at(-1).requirements.push(line);
  }
  return steps.filter((s) => s.requirements.length > 0);
}

export function envKey(name, python) {
  const spec = readFileSync(join(envSpecDir, `${name}.txt`), 'utf8');
  python ??= specPython(spec);
  const pyVersion = execFileSync(python, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' }).trim();
  const hash = createHash('sha256').update(spec).update('\0').update(pyVersion).digest('hex').slice(0, 12);
  return { spec, hash, dir: join(cacheRoot(), `${name}-${hash}`) };
}

function venvPython(dir) {
  return join(dir, 'bin', 'python');
}

/** A folder lock shared by the env and model caches; a lock older than 2 hours is from a killed build. */
export function acquireLock(lockDir, timeoutMs = 3_600_000) {
  const start = Date.now();
  for (;;) {
    try { mkdirSync(lockDir); return () => rmSync(lockDir, { recursive: true, force: true }); } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // a lock older than 2 hours is from a killed build
      try { if (Date.now() - statSync(lockDir).mtimeMs > 7_200_000) { rmSync(lockDir, { recursive: true, force: true }); continue; } } catch { continue; }
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${lockDir}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    }
  }
}

/**
 * Returns { name, dir, python, built, seconds } for a cached env, building it if missing.
 * `log` receives progress lines (stderr by default).
 */
export function ensureVenv(name, { log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const python = specPython(readFileSync(join(envSpecDir, `${name}.txt`), 'utf8'));
  const { spec, hash, dir } = envKey(name, python);
  return buildOnce({ name, python, spec, hash, dir, log });
}

/**
 * The same for an env described by a generated file (e.g. a `tfdoctor lock` requirements file): cached
 * under <cache>/tfdoctor/venvs/<name>-<hash of the file's content and the interpreter>, so the same lock
 * gives the same venv and a changed lock a new one. `python` picks the base interpreter (default basePython()).
 */
export function ensureVenvFromFile(name, file, { python = basePython(), log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const spec = readFileSync(file, 'utf8');
  const pyVersion = execFileSync(python, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' }).trim();
  // keyed by the requirement lines alone: a lock file's comment header (its wording, the steps) installs nothing
  const pins = spec.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !/^#\s*step:/.test(l)).join('\n');
  const hash = createHash('sha256').update(pins).update('\0').update(pyVersion).digest('hex').slice(0, 12);
  return buildOnce({ name, python, spec, hash, dir: join(cacheRoot(), `${name}-${hash}`), log });
}

function readComplete(dir) {
  try { return JSON.parse(readFileSync(join(dir, '.complete'), 'utf8')); } catch { return null; }
}

/** Builds the venv at `dir` from `spec` unless it is complete; `seconds` is the build's own time, even when cached. */
function buildOnce({ name, python, spec, hash, dir, log }) {
  const done = () => {
    const c = readComplete(dir);
    return c && { name, dir, python: venvPython(dir), built: false, seconds: 0, buildSeconds: c.seconds, hash };
  };
  const cached = done();
  if (cached) return cached;
  mkdirSync(cacheRoot(), { recursive: true });
  const release = acquireLock(`${dir}.lock`);
  try {
    const again = done();
    if (again) return again;
    const started = Date.now();
    rmSync(dir, { recursive: true, force: true });
    log(`[venvs] building ${name} (${hash}) from ${python}`);
    execFileSync(python, ['-m', 'venv', dir], { stdio: 'inherit' });
    const py = venvPython(dir);
    const steps = parseSpec(spec);
    for (const [i, step] of steps.entries()) {
      const reqFile = join(dir, `.step-${i}.txt`);
      writeFileSync(reqFile, `${step.requirements.join('\n')}\n`);
      log(`[venvs] ${name}: pip install ${step.args.join(' ')} -r (${step.requirements.length} lines)`);
      const r = spawnSync(py, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...step.args, '-r', reqFile], {
        stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
      });
      if (r.status !== 0) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`pip install failed for env ${name} step ${i}:\n${(r.stdout ?? '').split('\n').slice(-30).join('\n')}`);
      }
    }
    const freeze = execFileSync(py, ['-m', 'pip', 'freeze', '--all'], { encoding: 'utf8' });
    writeFileSync(join(dir, '.freeze.txt'), freeze);
    const seconds = (Date.now() - started) / 1000;
    writeFileSync(join(dir, '.complete'), JSON.stringify({ name, hash, seconds, builtAt: new Date().toISOString() }));
    log(`[venvs] built ${name} in ${seconds.toFixed(1)} s`);
    return { name, dir, python: py, built: true, seconds, buildSeconds: seconds, hash };
  } finally {
    release();
  }
}

/** Deletes cached envs of `name` whose hash is not the current one (old pins). */
export function pruneStale(name) {
  const { dir } = envKey(name);
  const root = cacheRoot();
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root)) {
    if (entry.startsWith(`${name}-`) && join(root, entry) !== dir && !entry.endsWith('.lock')) {
      rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
}

// CLI: node scripts/venvs.mjs build NAME... | path NAME | from-file NAME FILE | list
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, ...names] = process.argv.slice(2);
  if (cmd === 'list') {
    for (const f of readdirSync(envSpecDir).filter((f) => f.endsWith('.txt'))) console.log(f.replace(/\.txt$/, ''));
  } else if (cmd === 'build') {
    // without names: every env the test suite needs (a `# bench-only` spec, e.g. a peer tool, is built on demand)
    const all = names.length ? names : readdirSync(envSpecDir).filter((f) => f.endsWith('.txt'))
      .filter((f) => !/^#\s*bench-only\s*$/m.test(readFileSync(join(envSpecDir, f), 'utf8'))).map((f) => f.replace(/\.txt$/, ''));
    const t0 = Date.now();
    // several envs build at once, each in its own process (a build is mostly downloads and unpacking: on two
    // cores, three overlap well); TFDOCTOR_VENV_JOBS=1 builds one after another in this process
    const jobs = Math.max(1, Number(process.env.TFDOCTOR_VENV_JOBS ?? 3) || 1);
    if (all.length === 1 || jobs === 1) {
      for (const n of all) {
        const r = ensureVenv(n);
        console.log(`${n}\t${r.built ? `built in ${r.seconds.toFixed(1)} s` : 'cached'}\t${r.dir}`);
        pruneStale(n);
      }
    } else {
      const queue = [...all];
      const failed = [];
      const worker = async () => {
        for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
          const name = n;
          const code = await new Promise((done) => {
            const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'build', name], { stdio: 'inherit', env: { ...process.env, TFDOCTOR_VENV_JOBS: '1' } });
            child.on('error', () => done(1));
            child.on('exit', (c) => done(c ?? 1));
          });
          if (code !== 0) failed.push(name);
        }
      };
      await Promise.all(Array.from({ length: Math.min(jobs, all.length) }, worker));
      if (failed.length) {
        console.error(`env builds failed: ${failed.join(', ')}`);
        process.exit(1);
      }
    }
    console.log(`env building took ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
  } else if (cmd === 'path') {
    console.log(ensureVenv(names[0]).python);
  } else if (cmd === 'from-file') {
    const r = ensureVenvFromFile(names[0], names[1]);
    console.log(`${names[0]}\t${r.built ? `built in ${r.seconds.toFixed(1)} s` : 'cached'}\t${r.dir}`);
  } else {
    console.error('usage: node scripts/venvs.mjs build [NAME...] | path NAME | from-file NAME FILE | list');
    process.exit(2);
  }
}
