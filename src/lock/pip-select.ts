// Chooses the pip that referees a target. Its resolver evaluates environment markers against the
// interpreter that runs it, never against --python-version / --platform (pypa/pip#11664, open), so:
//  own   — the target's own interpreter (python3.X) and its pip, when the target platform is this
//          machine: markers then evaluate exactly, no platform flags;
//  own + flags — that interpreter's pip with --platform etc., when the platform differs and the pip
//          accepts those flags with --dry-run (pip >= 23.3, NEWS "Allow pip install --dry-run to use
//          platform and ABI overriding options", pypa/pip#12215);
//  wheel — a known-good pip (its wheel, unpacked; `python <dir>/pip` runs it), on the target
//          interpreter when there is one (python_version markers then hold), else on python3.
// Every way uses the user's pip configuration (files and PIP_* variables) unchanged.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { PlannedPlatform } from '../env/markers.js';
import { currentPlatform } from '../env/target.js';
import { cacheDir } from '../util/cache-dir.js';
import { UserError } from '../util/errors.js';
import type { Target } from './types.js';
import { runProcess } from './pip-run.js';
import { hostGlibc, pipPlatformTags, type TagOptions } from './platform-tags.js';

/** The pip run from its wheel when the target's own pip cannot referee (sha256 of the PyPI file). */
export const PIP_WHEEL = {
  version: '25.3',
  file: 'pip-25.3-py3-none-any.whl',
  sha256: '9655943313a94722b7774661c21049070f6bbb0a1516bf02f7c8d5d9201514cd',
  /** its Requires-Python */
  minPython: [3, 9],
} as const;

/** `pip install --dry-run --report` exist since pip 22.2. */
const MIN_PIP_REPORT = [22, 2];
/** platform / ABI options with --dry-run (without --target) since pip 23.3. */
const MIN_PIP_PLATFORM_DRY_RUN = [23, 3];

/** How pip is run to referee a target. */
export interface PipRunner {
  how: 'own' | 'wheel';
  /** the interpreter that runs pip */
  python: string;
  /** its full version, "3.12.1" */
  pythonVersion: string;
  pipVersion: string;
  /** the arguments before `install`: ['-m', 'pip'] or ['<wheel>/pip'] */
  entry: string[];
  /** --python-version / --implementation / --abi / --platform, or [] when the interpreter is the target */
  targetFlags: string[];
  /** one line for the report: which pip, run how, and why */
  description: string;
}

export interface ChooseOptions {
  /** an interpreter to prefer (path or name); its X.Y decides whether it is the target's own */
  python?: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** the folder the pip wheel is kept in (default <tfdoctor cache>/pip) */
  wheelDir?: string;
  /**
   * own (default): the target interpreter's pip when it can referee. wheel: the pip wheel even then, run on
   * the target interpreter (markers stay exact): pip >= 25.3 resolves from PEP 658 metadata without
   * downloading wheels (pypa/pip#13482), older pips download every wheel of the closure in a dry run.
   */
  prefer?: 'own' | 'wheel';
  /** always pass --python-version / --platform flags, even on the target interpreter (to compare the ways) */
  forceFlags?: boolean;
  /** run the pip wheel on this interpreter rather than the target's (implies prefer: 'wheel') */
  wheelOn?: string;
  tags?: TagOptions;
}

export interface InterpreterInfo {
  path: string;
  version: string;
  minor: string;
  pip: string | null;
  platform: PlannedPlatform;
}

const PROBE = [
  'import json, platform, sys',
  'try:',
  '    import pip; v = pip.__version__',
  'except Exception:',
  '    v = None',
  'print(json.dumps({"version": platform.python_version(), "pip": v, "system": sys.platform, "machine": platform.machine(), "executable": sys.executable}))',
].join('\n');

/** Runs `python` and reports its version, pip and platform; null when it does not run (e.g. a pyenv shim of an unselected version). */
export function probeInterpreter(python: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<InterpreterInfo | null> {
  // the CLI, choosePip and every referee round ask about the same interpreters: one Python start each
  const key = `${python}\0${env.PATH ?? ''}\0${env.PYENV_VERSION ?? ''}`;
  let known = probed.get(key);
  if (!known) {
    known = probeOnce(python, timeoutMs, env);
    probed.set(key, known);
  }
  return known;
}

const probed = new Map<string, Promise<InterpreterInfo | null>>();

async function probeOnce(python: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<InterpreterInfo | null> {
  const r = await runProcess(python, ['-c', PROBE], { timeoutMs: Math.min(timeoutMs, 30_000), env });
  if (r.code !== 0) return null;
  try {
    const j = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as { version: string; pip: string | null; system: string; machine: string; executable: string };
    return {
      path: j.executable || python, version: j.version, minor: j.version.split('.').slice(0, 2).join('.'), pip: j.pip,
      platform: { system: j.system, machine: j.machine },
    };
  } catch {
    return null;
  }
}

/** Finds a working CPython X.Y: python3.X on PATH, then pyenv's installed versions. */
export async function findInterpreter(minor: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<InterpreterInfo | null> {
  const candidates: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, `python${minor}`);
    if (await isExecutable(p)) candidates.push(p);
  }
  // pyenv's shims answer only for the selected versions; the installed ones lie under versions/
  const pyenvRoot = env.PYENV_ROOT ?? join(homedir(), '.pyenv');
  const versions = await readdir(join(pyenvRoot, 'versions')).catch(() => [] as string[]);
  const matching = versions.filter((v) => v === minor || v.startsWith(`${minor}.`)).sort(compareDotted).reverse();
  for (const v of matching) {
    const p = join(pyenvRoot, 'versions', v, 'bin', `python${minor}`);
    if (await isExecutable(p)) candidates.push(p);
  }
  for (const c of candidates) {
    const info = await probeInterpreter(c, timeoutMs, env);
    if (info?.minor === minor) return info;
  }
  return null;
}

/** Picks how pip referees `target` (see the header comment). Throws UserError when no interpreter can run pip. */
export async function choosePip(target: Target, opts: ChooseOptions): Promise<PipRunner> {
  const env = opts.env ?? process.env;
  const preferred = opts.python ? await probeInterpreter(opts.python, opts.timeoutMs, env) : null;
  if (opts.python && !preferred) throw new UserError(`python "${opts.python}" does not run`, 'pass a working interpreter');
  const own = preferred?.minor === target.python ? preferred : await findInterpreter(target.python, opts.timeoutMs, env);
  const samePlatform = own ? sameMachine(own.platform, target.platform) : false;
  const flagsNeeded = !samePlatform || !!opts.forceFlags;
  if (own && opts.prefer !== 'wheel' && !opts.wheelOn && own.pip && atLeast(own.pip, MIN_PIP_REPORT)) {
    if (!flagsNeeded) {
      return {
        how: 'own', python: own.path, pythonVersion: own.version, pipVersion: own.pip, entry: ['-m', 'pip'], targetFlags: [],
        description: `pip ${own.pip} of Python ${own.version} (${own.path}), the target interpreter itself`,
      };
    }
    if (atLeast(own.pip, MIN_PIP_PLATFORM_DRY_RUN)) {
      return {
        how: 'own', python: own.path, pythonVersion: own.version, pipVersion: own.pip, entry: ['-m', 'pip'],
        targetFlags: targetFlags(target, tagOptions(target, opts.tags)),
        description: `pip ${own.pip} of Python ${own.version} (${own.path}) with platform flags for ${target.platform.system}-${target.platform.machine}`,
      };
    }
  }
  // the wheel: on the target interpreter when there is one, else on the preferred one or python3
  const chosen = opts.wheelOn ? await probeInterpreter(opts.wheelOn, opts.timeoutMs, env) : null;
  if (opts.wheelOn && !chosen) throw new UserError(`python "${opts.wheelOn}" does not run`, 'pass a working interpreter');
  const onTarget = chosen ? (chosen.minor === target.python ? chosen : null) : own && atLeast(own.version, PIP_WHEEL.minPython) ? own : null;
  const host = chosen ?? onTarget ?? [preferred].find((i) => i && atLeast(i.version, PIP_WHEEL.minPython))
    ?? await probeInterpreter('python3', opts.timeoutMs, env);
  if (!host || !atLeast(host.version, PIP_WHEEL.minPython)) {
    throw new UserError(`no Python >= ${PIP_WHEEL.minPython.join('.')} to run pip ${PIP_WHEEL.version} for the target ${target.python}`,
      `install python${target.python} or put a python3 >= ${PIP_WHEEL.minPython.join('.')} on PATH`);
  }
  const wheel = await ensurePipWheel(host, opts.wheelDir ?? join(cacheDir(env), 'pip'), opts.timeoutMs, env);
  const flags = !onTarget || flagsNeeded;
  const why = !own ? `no Python ${target.python} here` : !samePlatform ? `the target is ${target.platform.system}-${target.platform.machine}`
    : opts.prefer === 'wheel' || opts.forceFlags || opts.wheelOn ? 'asked for' : `its own pip is ${own.pip ?? 'missing'}`;
  return {
    how: 'wheel', python: host.path, pythonVersion: host.version, pipVersion: PIP_WHEEL.version, entry: [join(wheel, 'pip')],
    targetFlags: flags ? targetFlags(target, tagOptions(target, opts.tags)) : [],
    description: `pip ${PIP_WHEEL.version} from its wheel (unpacked in ${wheel}) on Python ${host.version}${flags ? ' with platform flags' : ', the target interpreter itself'} (${why})`,
  };
}

/** --python-version / --implementation / --abi / --platform for a CPython target. */
export function targetFlags(target: Target, tags: TagOptions): string[] {
  const nodot = target.python.split('.').slice(0, 2).join('');
  const flags = ['--python-version', target.python, '--implementation', 'cp', '--abi', `cp${nodot}`];
  for (const tag of pipPlatformTags(target.platform, tags)) flags.push('--platform', tag);
  return flags;
}

function tagOptions(target: Target, given: TagOptions | undefined): TagOptions {
  // this machine's glibc when the target is this machine's platform
  const here = sameMachine(currentPlatform(), target.platform) ? hostGlibc() : null;
  return { ...(here ? { glibc: here } : {}), ...given };
}

export function sameMachine(a: PlannedPlatform, b: PlannedPlatform): boolean {
  const m = (x: string) => ({ amd64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[x.toLowerCase()] ?? x.toLowerCase();
  return a.system === b.system && m(a.machine) === m(b.machine);
}

/**
 * The pip wheel, downloaded once into `dir` with the host's pip (the user's index settings), checked against
 * its sha256 and unpacked beside it: run from the zip, Python recompiles all of pip on every start (no
 * bytecode cache in a zip), many seconds per run; unpacked, `python <dir>/pip` starts like an installed pip.
 * Returns the unpacked folder.
 */
export async function ensurePipWheel(host: InterpreterInfo, dir: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const unpacked = join(dir, `pip-${PIP_WHEEL.version}`);
  const wheel = join(dir, PIP_WHEEL.file);
  if (await isFile(join(unpacked, 'pip', '__main__.py'))) return compiledFor(host, unpacked, timeoutMs, env);
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(join(dir, '.download-'));
  try {
    if (!(await sha256Matches(wheel))) {
      if (!host.pip) throw new UserError(`Python ${host.version} (${host.path}) has no pip to download pip ${PIP_WHEEL.version} with`, 'install pip for it');
      const r = await runProcess(host.path, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check',
        '--dest', tmp, `pip==${PIP_WHEEL.version}`], { timeoutMs, env });
      const got = join(tmp, PIP_WHEEL.file);
      if (r.timedOut) throw new UserError(`downloading pip ${PIP_WHEEL.version} timed out after ${Math.round(timeoutMs / 1000)} s`);
      if (r.code !== 0 || !(await sha256Matches(got))) {
        const last = (r.stderr.trim().split('\n').filter((l) => !l.startsWith('WARNING: Location')).at(-1) ?? '').trim();
        throw new UserError(`could not download pip ${PIP_WHEEL.version} (sha256 ${PIP_WHEEL.sha256.slice(0, 12)}...) to run the resolver for another platform${last ? `: ${last}` : ''}`,
          `put ${PIP_WHEEL.file} into ${dir}`);
      }
      // atomic: a concurrent run sees either no file or the whole checked one
      await rename(got, wheel);
    }
    const into = join(tmp, 'unpacked');
    const r = await runProcess(host.path, ['-m', 'zipfile', '-e', wheel, into], { timeoutMs, env });
    if (r.code !== 0) throw new UserError(`could not unpack ${wheel}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
    await rename(into, unpacked).catch(async (e: NodeJS.ErrnoException) => {
      // another run unpacked it first
      if (!(await isFile(join(unpacked, 'pip', '__main__.py')))) throw e;
    });
    return compiledFor(host, unpacked, timeoutMs, env);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Byte-compiles the unpacked pip once per interpreter version: with PYTHONDONTWRITEBYTECODE set (as on
 * this project's machines) Python would otherwise compile all of pip on every start; compileall writes
 * the .pyc files regardless, and Python reads them either way.
 */
async function compiledFor(host: InterpreterInfo, unpacked: string, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<string> {
  const marker = join(unpacked, `.compiled-${host.minor}`);
  if (await isFile(marker)) return unpacked;
  const r = await runProcess(host.path, ['-m', 'compileall', '-q', join(unpacked, 'pip')], { timeoutMs, env });
  // a failed compile only costs speed
  if (r.code === 0) await writeFile(marker, '');
  return unpacked;
}

async function isFile(p: string): Promise<boolean> {
  try { await access(p, constants.R_OK); return true; } catch { return false; }
}

async function sha256Matches(path: string): Promise<boolean> {
  const data = await readFile(path).catch(() => null);
  return data !== null && createHash('sha256').update(data).digest('hex') === PIP_WHEEL.sha256;
}

async function isExecutable(p: string): Promise<boolean> {
  try { await access(p, constants.X_OK); return true; } catch { return false; }
}

/** a >= b for dotted release numbers ("23.2.1" vs [23, 3]); non-numeric tails are ignored. */
export function atLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split('.').map((p) => parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const v = Number.isNaN(parts[i]) || parts[i] === undefined ? 0 : parts[i]!;
    if (v !== min[i]) return v > min[i]!;
  }
  return true;
}

function compareDotted(a: string, b: string): number {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
