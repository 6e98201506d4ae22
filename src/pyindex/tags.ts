// Wheel tags (the binary distribution format spec + PEP 425 / 600 / 656) judged for a planned
// CPython target, as pip's supported-tags list would judge them: which files of a release a
// CPython X.Y on a given OS and machine can install, and, when none, why (data, not wording).
import type { IndexFile, IndexRelease, Target } from '../lock/types.js';
import { normalizeName } from '../env/names.js';
import { satisfies } from '../matrix/pep440.js';

export interface WheelName {
  /** PEP 503-normalised project name */
  name: string;
  /** the version as written in the filename (not normalised) */
  version: string;
  build: string | null;
  /** compressed tag sets expanded: "py2.py3" -> ["py2", "py3"] */
  pythons: string[];
  abis: string[];
  platforms: string[];
}

/**
 * `name-version(-build)?-python-abi-platform.whl`; null when the name does not have that shape.
 * The result is shared (memoised: a solve judges the same tens of thousands of files again): do not mutate it.
 */
export function parseWheelFilename(filename: string): WheelName | null {
  let w = parsedWheels.get(filename);
  if (w === undefined) {
    w = parseWheelFilenameOnce(filename);
    if (parsedWheels.size < 500_000) parsedWheels.set(filename, w);
  }
  return w;
}

const parsedWheels = new Map<string, WheelName | null>();

function parseWheelFilenameOnce(filename: string): WheelName | null {
  if (!filename.endsWith('.whl')) return null;
  const parts = filename.slice(0, -4).split('-');
  if (parts.length !== 5 && parts.length !== 6) return null;
  const [name, version] = parts as [string, string];
  const build = parts.length === 6 ? parts[2]! : null;
  if (build !== null && !/^\d/.test(build)) return null;
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  if (!name || !version || !py || !abi || !plat) return null;
  return {
    name: normalizeName(name),
    version,
    build,
    pythons: py.split('.'),
    abis: abi.split('.'),
    platforms: plat.split('.'),
  };
}

const SDIST_EXT = ['.tar.gz', '.zip', '.tar.bz2', '.tar.xz', '.tgz', '.tar'];

/**
 * `name-version.tar.gz` of `project` (normalised): the version is what follows the longest name
 * prefix that normalises to the project (names may themselves contain '-'). null when not an sdist
 * of that project.
 */
export function parseSdistFilename(filename: string, project: string): { version: string } | null {
  const ext = SDIST_EXT.find((e) => filename.toLowerCase().endsWith(e));
  if (!ext) return null;
  const stem = filename.slice(0, -ext.length);
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeName(stem.slice(0, i)) === project) {
      const version = stem.slice(i + 1);
      return version ? { version } : null;
    }
  }
  return null;
}

export interface TagOptions {
  /** newest glibc the target has (manylinux_2_N accepted for N <= minor); default [2, 39] */
  glibc?: [number, number];
  /** newest macOS the target runs; default [26, 0] */
  macos?: [number, number];
}

const DEFAULT_GLIBC: [number, number] = [2, 39];
const DEFAULT_MACOS: [number, number] = [26, 0];

/** cpython minor of the target: "3.12" -> 12 (major must be 3). */
function minorOf(python: string): number {
  const known = minors.get(python);
  if (known !== undefined) return known;
  const [major, minor] = python.split('.');
  if (major !== '3' || minor === undefined || !/^\d+$/.test(minor)) throw new Error(`not a CPython 3.X version: ${python}`);
  minors.set(python, Number(minor));
  return Number(minor);
}

const minors = new Map<string, number>();

/** Is the (python, abi) pair one CPython 3.`minor` accepts (ignoring the platform)? 'any' tells whether the pair may go with platform 'any'. */
function interpreterFits(py: string, abi: string, minor: number): { fits: boolean; anyPlatform: boolean } {
  const cp = /^cp3(\d+)$/.exec(py);
  const pyTag = /^py3(\d*)$/.exec(py);
  if (abi === 'none') {
    if (cp) return { fits: Number(cp[1]) === minor, anyPlatform: true };
    if (pyTag) return { fits: pyTag[1] === '' || Number(pyTag[1]) <= minor, anyPlatform: true };
    return { fits: false, anyPlatform: false };
  }
  if (abi === 'abi3') return { fits: !!cp && Number(cp[1]) >= 2 && Number(cp[1]) <= minor, anyPlatform: false };
  // the interpreter's own ABI; 3.13t's free-threaded 'cp313t' is another build
  if (cp && abi === `cp3${minor}` && Number(cp[1]) === minor) return { fits: true, anyPlatform: false };
  return { fits: false, anyPlatform: false };
}

const MANYLINUX_ALIASES: Record<string, [number, number]> = { manylinux1: [2, 5], manylinux2010: [2, 12], manylinux2014: [2, 17] };

/** Does a platform tag (not 'any') run on the target? */
export function platformFits(tag: string, target: Target, options: TagOptions = {}): boolean {
  const { system } = target.platform;
  const machine = normalizeMachine(system, target.platform.machine);
  if (system === 'linux') {
    const glibc = options.glibc ?? DEFAULT_GLIBC;
    const legacy = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(tag);
    if (legacy) {
      const [maj, min] = MANYLINUX_ALIASES[legacy[1]!]!;
      return legacy[2] === machine && versionAtMost([maj, min], glibc);
    }
    const many = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(tag);
    if (many) return many[3] === machine && versionAtMost([Number(many[1]), Number(many[2])], glibc);
    // pip installs linux_<arch> wheels (PyPI only refuses to host them); musllinux needs musl
    return tag === `linux_${machine}`;
  }
  if (system === 'darwin') {
    const m = /^macosx_(\d+)_(\d+)_(.+)$/.exec(tag);
    if (!m) return false;
    if (!versionAtMost([Number(m[1]), Number(m[2])], options.macos ?? DEFAULT_MACOS)) return false;
    const arch = m[3]!;
    if (machine === 'arm64') return arch === 'arm64' || arch === 'universal2';
    if (machine === 'x86_64') return ['x86_64', 'intel', 'fat64', 'fat3', 'universal', 'universal2'].includes(arch);
    return arch === machine;
  }
  if (system === 'win32') {
    if (machine === 'x86_64') return tag === 'win_amd64';
    if (machine === 'arm64') return tag === 'win_arm64';
    if (machine === 'x86') return tag === 'win32';
    return false;
  }
  return false;
}

/** platform.machine() spellings -> the arch spelling of the OS's wheel tags (aarch64 on linux, arm64 elsewhere). */
function normalizeMachine(system: string, machine: string): string {
  const m = machine.toLowerCase();
  if (m === 'amd64' || m === 'x64') return 'x86_64';
  if (m === 'aarch64' || m === 'arm64') return system === 'linux' ? 'aarch64' : 'arm64';
  if (system === 'win32' && (m === 'i386' || m === 'i686')) return 'x86';
  return m;
}

function versionAtMost(v: [number, number], max: [number, number]): boolean {
  return v[0] < max[0] || (v[0] === max[0] && v[1] <= max[1]);
}

/** Can the target install this wheel (some expanded tag triple is supported)? */
export function wheelFits(wheel: WheelName, target: Target, options: TagOptions = {}): boolean {
  const minor = minorOf(target.python);
  for (const py of wheel.pythons) {
    for (const abi of wheel.abis) {
      const fit = interpreterFits(py, abi, minor);
      if (!fit.fits) continue;
      for (const plat of wheel.platforms) {
        if (plat === 'any' ? fit.anyPlatform : platformFits(plat, target, options)) return true;
      }
    }
  }
  return false;
}

function requiresPythonFits(file: IndexFile, python: string): boolean {
  return !file.requiresPython.trim() || satisfies(python, file.requiresPython);
}

export interface CompatibleOptions extends TagOptions {
  /** count source distributions as installable (pip would build them); default false */
  sdist?: boolean;
  /** count yanked files (pip takes them only when pinned with ==); default false */
  yanked?: boolean;
}

/** The files of a release the target can install: wheel tags, data-requires-python and yanked status checked. */
export function compatibleFiles(release: IndexRelease, target: Target, options: CompatibleOptions = {}): IndexFile[] {
  return release.files.filter((f) => {
    if (f.yanked && !options.yanked) return false;
    if (!requiresPythonFits(f, target.python)) return false;
    const wheel = parseWheelFilename(f.filename);
    if (wheel) return wheelFits(wheel, target, options);
    return !!options.sdist;
  });
}

export function hasCompatibleWheel(release: IndexRelease, target: Target, options: TagOptions & { yanked?: boolean } = {}): boolean {
  return compatibleFiles(release, target, { ...options, sdist: false }).length > 0;
}

/** Why a release has no wheel for the target: the first that applies, most telling first. */
export type IncompatibleReason =
  | { kind: 'no-files' }
  | { kind: 'all-yanked' }
  /** every file's data-requires-python excludes the target python */
  | { kind: 'requires-python'; requiresPython: string[] }
  /** only source distributions */
  | { kind: 'sdist-only'; sdists: string[] }
  /** wheels exist, but none for this interpreter; the python/abi tags seen, e.g. ['cp39', 'cp310', 'cp311'] */
  | { kind: 'no-wheel-for-python'; pythonsSeen: string[] }
  /** wheels for this interpreter exist, but none for this OS / machine */
  | { kind: 'no-wheel-for-platform'; platformsSeen: string[] };

/** null when the release has a compatible wheel. */
export function incompatibility(release: IndexRelease, target: Target, options: TagOptions = {}): IncompatibleReason | null {
  if (hasCompatibleWheel(release, target, options)) return null;
  const files = release.files;
  if (files.length === 0) return { kind: 'no-files' };
  const live = files.filter((f) => !f.yanked);
  if (live.length === 0) return { kind: 'all-yanked' };
  const pyOk = live.filter((f) => requiresPythonFits(f, target.python));
  if (pyOk.length === 0) return { kind: 'requires-python', requiresPython: uniqueSorted(live.map((f) => f.requiresPython)) };
  const wheels = pyOk.map((f) => parseWheelFilename(f.filename)).filter((w): w is WheelName => w !== null);
  if (wheels.length === 0) return { kind: 'sdist-only', sdists: pyOk.map((f) => f.filename) };
  const minor = minorOf(target.python);
  const forPython = wheels.filter((w) => w.pythons.some((py) => w.abis.some((abi) => interpreterFits(py, abi, minor).fits)));
  if (forPython.length === 0) return { kind: 'no-wheel-for-python', pythonsSeen: pythonTagsOf(wheels) };
  return { kind: 'no-wheel-for-platform', platformsSeen: uniqueSorted(forPython.flatMap((w) => w.platforms)) };
}

/** The interpreter tags of wheels, abi3 marked: ['cp310', 'cp311', 'cp39-abi3', 'py3'], sorted by version. */
function pythonTagsOf(wheels: readonly WheelName[]): string[] {
  const tags = new Set<string>();
  for (const w of wheels) for (const py of w.pythons) tags.add(w.abis.includes('abi3') ? `${py}-abi3` : py);
  return [...tags].sort((a, b) => tagOrder(a) - tagOrder(b) || a.localeCompare(b, 'en'));
}

function tagOrder(tag: string): number {
  const m = /^(?:cp|py)(\d)(\d*)/.exec(tag);
  return m ? Number(m[1]) * 1000 + (m[2] ? Number(m[2]) : 0) : 1e9;
}

function uniqueSorted(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}
