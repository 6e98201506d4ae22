// Finds the Python environment `check` / `fix` work on, from the env flags or, by default,
// from $VIRTUAL_ENV, $CONDA_PREFIX, then python3 on PATH. Nothing is started here except
// `conda env list --json` when a conda env is asked for by name and conda is available.
import { constants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../util/errors.js';

export interface TargetOptions {
  python?: string;
  venv?: string;
  condaEnv?: string;
  prefix?: string;
}

export interface Target {
  kind: 'venv' | 'conda' | 'interpreter';
  /** absolute path of the interpreter to probe */
  interpreter: string;
  /** the env folder (venv or conda prefix), when the target is an env */
  prefix?: string;
  /** for the report: how the env was chosen, e.g. "venv /x (from $VIRTUAL_ENV)" */
  description: string;
  /** conda env lookups: the folders that were searched */
  searched?: string[];
}

const ENV_FLAGS_HINT = 'choose the env with one of --python PATH, --venv DIR, --conda-env NAME, --prefix DIR';

export async function resolveTarget(opts: TargetOptions, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const given = (['python', 'venv', 'condaEnv', 'prefix'] as const).filter((k) => opts[k] !== undefined && opts[k] !== '');
  if (given.length > 1) {
    const flags = given.map((k) => ({ python: '--python', venv: '--venv', condaEnv: '--conda-env', prefix: '--prefix' })[k]);
    throw new UserError(`${flags.join(' and ')} cannot be used together`, ENV_FLAGS_HINT);
  }
  if (opts.python) return interpreterTarget(opts.python, env, '--python');
  if (opts.venv) return venvTarget(resolve(opts.venv), '--venv');
  if (opts.prefix) return condaPrefixTarget(resolve(opts.prefix), '--prefix');
  if (opts.condaEnv) return condaNameTarget(opts.condaEnv, env);
  if (env.VIRTUAL_ENV) return venvTarget(resolve(env.VIRTUAL_ENV), '$VIRTUAL_ENV');
  if (env.CONDA_PREFIX) return condaPrefixTarget(resolve(env.CONDA_PREFIX), '$CONDA_PREFIX');
  const onPath = await findOnPath('python3', env);
  if (!onPath) {
    throw new UserError('no python3 on PATH and no active env ($VIRTUAL_ENV, $CONDA_PREFIX unset)', ENV_FLAGS_HINT);
  }
  return { kind: 'interpreter', interpreter: onPath, description: `python3 on PATH (${onPath})` };
}

async function interpreterTarget(python: string, env: NodeJS.ProcessEnv, from: string): Promise<Target> {
  // a bare name (python3.10) is looked up on PATH like a shell would
  const isName = !python.includes('/') && !python.includes('\\');
  const path = isName ? await findOnPath(python, env) : resolve(python);
  if (!path) throw new UserError(`python "${python}" was not found on PATH`, 'pass the interpreter\'s full path with --python PATH');
  const info = await statOrNull(path);
  if (!info) throw new UserError(`python at ${path} was not found`, 'pass an existing interpreter with --python PATH');
  if (info.isDirectory()) {
    const hint = (await isFile(join(path, 'pyvenv.cfg'))) ? `it is a venv: use --venv ${path}`
      : (await isDir(join(path, 'conda-meta'))) ? `it is a conda env: use --prefix ${path}`
        : 'pass the interpreter file itself, e.g. <env>/bin/python';
    throw new UserError(`${path} is a directory, not a Python interpreter (${from})`, hint);
  }
  return { kind: 'interpreter', interpreter: path, description: `interpreter ${path}` };
}

async function venvTarget(dir: string, from: string): Promise<Target> {
  if (!(await isDir(dir))) throw new UserError(`venv ${dir} does not exist (${from})`, 'pass the folder that holds pyvenv.cfg with --venv DIR');
  if (!(await isFile(join(dir, 'pyvenv.cfg')))) {
    const hint = (await isDir(join(dir, 'conda-meta'))) ? `it is a conda env: use --prefix ${dir}` : 'a venv folder holds pyvenv.cfg; pass that folder with --venv DIR';
    throw new UserError(`${dir} is not a venv: it has no pyvenv.cfg (${from})`, hint);
  }
  const interpreter = await firstExisting(venvInterpreters(dir));
  if (!interpreter) {
    throw new UserError(`venv ${dir} has no interpreter (looked for bin/python, bin/python3, Scripts/python.exe)`,
      'the venv is broken; recreate it with python -m venv');
  }
  return { kind: 'venv', interpreter, prefix: dir, description: `venv ${dir}${from === '--venv' ? '' : ` (from ${from})`}` };
}

async function condaPrefixTarget(dir: string, from: string, searched?: string[]): Promise<Target> {
  if (!(await isDir(dir))) throw new UserError(`conda env ${dir} does not exist (${from})`, 'pass the env folder (the one holding conda-meta/) with --prefix DIR');
  if (!(await isDir(join(dir, 'conda-meta')))) {
    const hint = (await isFile(join(dir, 'pyvenv.cfg'))) ? `it is a venv: use --venv ${dir}` : 'a conda env folder holds conda-meta/; pass that folder with --prefix DIR';
    throw new UserError(`${dir} is not a conda env: it has no conda-meta folder (${from})`, hint);
  }
  const interpreter = await firstExisting(condaInterpreters(dir));
  if (!interpreter) {
    throw new UserError(`conda env ${dir} has no Python interpreter (looked for bin/python, python.exe)`,
      `install Python into it: conda install -p ${dir} python`);
  }
  return {
    kind: 'conda', interpreter, prefix: dir,
    description: `conda env ${dir}${from === '--prefix' || from.startsWith('--conda-env') ? '' : ` (from ${from})`}`,
    ...(searched ? { searched } : {}),
  };
}

async function condaNameTarget(name: string, env: NodeJS.ProcessEnv): Promise<Target> {
  if (isAbsolute(name) || name.includes('/') || name.includes('\\')) {
    return condaPrefixTarget(resolve(name), '--conda-env');
  }
  const fromConda = await condaEnvList(env);
  if (fromConda) {
    const match = pickByName(fromConda, name);
    if (match) return condaPrefixTarget(match, `--conda-env ${name}`);
  }
  const { candidates, searched } = await conventionalEnvDirs(env);
  for (const dir of candidates) {
    if (envName(dir, candidates) === name && (await isDir(join(dir, 'conda-meta')))) {
      return condaPrefixTarget(dir, `--conda-env ${name}`, searched);
    }
  }
  const known = fromConda ? [...fromConda] : [];
  for (const dir of candidates) if (!known.includes(dir) && (await isDir(join(dir, 'conda-meta')))) known.push(dir);
  const where = [fromConda ? '`conda env list`' : null, ...searched].filter(Boolean).join(', ');
  const available = known.length ? `; envs found: ${[...new Set(known.map((d) => envName(d, known)))].join(', ')}` : '';
  throw new UserError(`conda env "${name}" not found; looked in: ${where}${available}`, 'pass the env folder with --prefix DIR');
}

/** Env folders conda itself knows, or null when conda is not available. */
async function condaEnvList(env: NodeJS.ProcessEnv): Promise<string[] | null> {
  const conda = env.CONDA_EXE && (await isFile(env.CONDA_EXE)) ? env.CONDA_EXE : await findOnPath('conda', env);
  if (!conda) return null;
  // child-process machinery loads only for this lookup (a `check` answered from the cache starts none)
  const { runChild } = await import('../util/child.js');
  const r = await runChild(conda, ['env', 'list', '--json'], { timeoutMs: 30_000, env, extendEnv: false });
  if (r.exitCode !== 0) return null;
  try {
    const doc = JSON.parse(r.stdout) as { envs?: unknown };
    return Array.isArray(doc.envs) ? doc.envs.filter((e): e is string => typeof e === 'string') : null;
  } catch {
    return null;
  }
}

/** "base" is the root prefix (the one the others live under); any other name is the folder name. */
function envName(dir: string, all: readonly string[]): string {
  const isRoot = all.some((other) => other !== dir && dirname(dirname(other)) === dir && basename(dirname(other)) === 'envs');
  return isRoot ? 'base' : basename(dir);
}

function pickByName(envs: readonly string[], name: string): string | undefined {
  if (name === 'base' || name === 'root') {
    return envs.find((d) => envName(d, envs) === 'base') ?? envs.find((d) => basename(dirname(d)) !== 'envs');
  }
  return envs.find((d) => basename(d) === name && envName(d, envs) !== 'base');
}

/** The usual conda install roots and env folders, in the order conda's own defaults use. */
async function conventionalEnvDirs(env: NodeJS.ProcessEnv): Promise<{ candidates: string[]; searched: string[] }> {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  const roots = ['miniconda3', 'anaconda3', 'miniforge3', 'mambaforge', 'micromamba', 'miniconda', 'anaconda']
    .map((r) => join(home, r));
  roots.push('/opt/conda', '/opt/miniconda3', '/opt/anaconda3', '/opt/miniforge3', '/usr/local/miniconda3', '/usr/local/anaconda3');
  for (const v of [env.CONDA_ROOT, env.MAMBA_ROOT_PREFIX]) if (v) roots.unshift(v);
  // an active env's root: $CONDA_PREFIX is <root> or <root>/envs/<name>
  if (env.CONDA_PREFIX) roots.unshift(basename(dirname(env.CONDA_PREFIX)) === 'envs' ? dirname(dirname(env.CONDA_PREFIX)) : env.CONDA_PREFIX);
  const envDirs = (env.CONDA_ENVS_PATH ?? env.CONDA_ENVS_DIRS ?? '').split(delimiter).filter(Boolean);
  envDirs.push(join(home, '.conda', 'envs'), ...roots.map((r) => join(r, 'envs')));
  const searched = [...new Set(envDirs)];
  const candidates: string[] = [];
  for (const dir of searched) {
    let entries: string[] = [];
    try { entries = await readdir(dir); } catch { continue; }
    for (const e of entries.sort()) candidates.push(join(dir, e));
  }
  // conda records every env it creates in ~/.conda/environments.txt
  const registry = join(home, '.conda', 'environments.txt');
  searched.push(registry);
  try {
    for (const line of (await readFile(registry, 'utf8')).split(/\r?\n/)) if (line.trim()) candidates.push(line.trim());
  } catch { /* no registry */ }
  for (const root of roots) candidates.push(root); // roots themselves are "base"
  searched.push(...roots.map((r) => `${r} (base)`));
  return { candidates: [...new Set(candidates)], searched };
}

function venvInterpreters(dir: string): string[] {
  return [join(dir, 'bin', 'python'), join(dir, 'bin', 'python3'), join(dir, 'Scripts', 'python.exe')];
}

function condaInterpreters(dir: string): string[] {
  return [join(dir, 'bin', 'python'), join(dir, 'bin', 'python3'), join(dir, 'python.exe')];
}

async function firstExisting(paths: string[]): Promise<string | null> {
  for (const p of paths) if (await isFile(p)) return p;
  return null;
}

/** Like `command -v NAME`: the first executable file named NAME on $PATH. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = resolve(dir, name + ext);
      try {
        await access(candidate, constants.X_OK);
        if (await isFile(candidate)) return candidate;
      } catch { /* next */ }
    }
  }
  return null;
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

async function isDir(path: string): Promise<boolean> {
  return (await statOrNull(path))?.isDirectory() ?? false;
}

async function isFile(path: string): Promise<boolean> {
  return (await statOrNull(path))?.isFile() ?? false;
}
