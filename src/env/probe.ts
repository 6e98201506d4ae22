// Probes a real Python environment with ONE interpreter start (python/probe.py) and turns its
// JSON answer into an EnvSnapshot. The parsing is a pure function so tests can feed recorded output.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { UserError } from '../util/errors.js';
import { formatSeconds, runChild, timeoutFromEnv } from '../util/child.js';
import type { Target } from './discover.js';
import type { Distribution, EnvKind, EnvSnapshot } from './types.js';
import { condaOwnedMetadataDirs } from './conda.js';
import { importPackagesFromRecord, normalizeName } from './names.js';
import { parseInstalledFiles, parseRecord } from './record.js';
import { lastLine, pythonScript } from './python-scripts.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 20_000;
const PROBE_FORMAT = 1;

/** One distribution as python/probe.py reports it. */
interface RawDistribution {
  name: string;
  version: string;
  installer: string | null;
  location: string;
  metadataDir: string;
  /** the file list to read: RECORD, or installed-files.txt of an .egg-info folder; null when none */
  record: { path: string; format: 'record' | 'installed-files' } | null;
  topLevel: string[] | null;
  requires: string[];
  requiresPython: string | null;
}

/** The JSON document python/probe.py prints. */
export interface ProbeOutput {
  tfdoctorProbe: number;
  python: { version: string; versionFull: string; implementation: string; executable: string };
  platform: { system: string; machine: string };
  prefix: string;
  basePrefix: string;
  sitePackages: string[];
  userSite: string | null;
  sysPath: string[];
  envVars: Record<string, string>;
  distributions: RawDistribution[];
  /** with --stats: every path the probe read or listed -> "mtimeNs,ctimeNs,ino,size" taken before the read, null when missing */
  stats?: Record<string, string | null>;
}

export interface ProbeOptions {
  /** default: $TFDOCTOR_PROBE_TIMEOUT seconds, else DEFAULT_PROBE_TIMEOUT_MS */
  timeoutMs?: number;
}

/** Runs python/probe.py in the target's interpreter and returns the environment snapshot. */
export async function probeEnvironment(target: Target, opts: ProbeOptions = {}): Promise<EnvSnapshot> {
  return (await runProbe(target, opts, false)).snapshot;
}

/** The probed snapshot with the probe's raw answer, whose `stats` list every path it read (for the snapshot cache). */
export async function probeEnvironmentWithStats(target: Target, opts: ProbeOptions = {}): Promise<{ snapshot: EnvSnapshot; probe: ProbeOutput }> {
  return runProbe(target, opts, true);
}

async function runProbe(target: Target, opts: ProbeOptions, stats: boolean): Promise<{ snapshot: EnvSnapshot; probe: ProbeOutput }> {
  const timeoutMs = opts.timeoutMs ?? timeoutFromEnv('TFDOCTOR_PROBE_TIMEOUT', DEFAULT_PROBE_TIMEOUT_MS);
  const interpreter = target.interpreter;
  // conda-meta is read while Python starts; the guess is the usual <prefix>/bin/python layout
  const guessedPrefix = target.prefix ?? dirname(dirname(interpreter));
  const condaGuess = condaOwnedMetadataDirs(guessedPrefix);
  // -S: no site.py (its .pth code can cost more than the probe, and runs arbitrary code; the
  // probe rebuilds the site path itself). -B: write no bytecode into the user's env.
  const result = await runChild(interpreter, ['-S', '-B', pythonScript('probe.py'), ...(stats ? ['--stats'] : [])], {
    timeoutMs,
    maxBuffer: 1024 * 1024 * 1024,
    env: { PYTHONIOENCODING: 'utf-8' },
  });
  if (result.timedOut) {
    throw new UserError(`python at ${interpreter} did not answer within ${formatSeconds(timeoutMs)}`,
      'the interpreter hangs at start-up (a sitecustomize, a locked file system?); try it by hand with: ' + `${interpreter} -c pass`);
  }
  if (result.overflowed) throw new UserError(`python at ${interpreter} printed more than 1 GiB in answer to the probe`);
  const code = result.spawnError;
  if (code === 'ENOENT') {
    throw new UserError(`python at ${interpreter} was not found`, 'pass an existing interpreter with --python PATH, or an env with --venv / --conda-env');
  }
  if (code === 'EACCES' || code === 'ENOEXEC') {
    throw new UserError(`${interpreter} is not an executable program`, 'pass a Python interpreter (e.g. <env>/bin/python) with --python PATH');
  }
  if (code) throw new UserError(`could not start python at ${interpreter}: ${code}`);
  if (result.signal) {
    throw new UserError(`python at ${interpreter} crashed (${result.signal})${stderrTail(result.stderr)}`);
  }
  const probe = tryParse(result.stdout);
  if (result.exitCode !== 0 && !probe) {
    const tail = lastLine(result.stderr);
    throw new UserError(`python at ${interpreter} is broken: it exited with code ${result.exitCode}${tail ? `: ${tail}` : ''}`,
      `run ${interpreter} -c pass to see the whole error`);
  }
  if (!probe) {
    const got = lastLine(result.stdout).slice(0, 60);
    throw new UserError(`${interpreter} does not look like a Python interpreter: it did not answer the probe${got ? ` (it printed "${got}")` : ''}`,
      'pass a Python interpreter with --python PATH');
  }
  const records = readRecordFiles(probe);
  let owned = await condaGuess;
  if (!owned && probe.prefix !== guessedPrefix) owned = await condaOwnedMetadataDirs(probe.prefix);
  return { snapshot: snapshotFromProbe(probe, target, owned, await records), probe };
}

function stderrTail(stderr: string | undefined): string {
  const tail = lastLine(stderr);
  return tail ? `: ${tail}` : '';
}

function tryParse(stdout: string | undefined): ProbeOutput | null {
  const text = (stdout ?? '').trim();
  if (!text.startsWith('{')) return null;
  try {
    const doc = JSON.parse(text) as Partial<ProbeOutput>;
    return doc.tfdoctorProbe === PROBE_FORMAT ? (doc as ProbeOutput) : null;
  } catch {
    return null;
  }
}

/**
 * Parses the probe's stdout. Throws a UserError when it is not the probe's JSON document.
 * Pure: tests feed recorded probe output.
 */
export function parseProbeOutput(
  stdout: string, target: Target, condaOwned: Set<string> | null = null, records: ReadonlyMap<string, string> = new Map(),
): EnvSnapshot {
  const probe = tryParse(stdout);
  if (!probe) throw new UserError(`${target.interpreter} does not look like a Python interpreter: it did not answer the probe`);
  return snapshotFromProbe(probe, target, condaOwned, records);
}

/**
 * Reads the RECORD / installed-files.txt of every distribution, all in parallel. The probe leaves
 * them to Node: they are most of the bytes, and Python reading, parsing and re-encoding them as JSON
 * cost more than the rest of the probe.
 * A missing or unreadable file gives no entry (the distribution then lists no files).
 */
export async function readRecordFiles(probe: ProbeOutput): Promise<Map<string, string>> {
  const paths = probe.distributions.flatMap((d) => (d.record ? [d.record.path] : []));
  const texts = await Promise.all(paths.map((p) => readFile(p, 'utf8').catch(() => null)));
  const out = new Map<string, string>();
  paths.forEach((p, i) => { const t = texts[i]; if (t != null) out.set(p, t); });
  return out;
}

/** Builds the snapshot from a parsed probe document (and the conda-owned metadata dirs, if a conda prefix). */
export function snapshotFromProbe(
  probe: ProbeOutput, target: Target, condaOwned: Set<string> | null, records: ReadonlyMap<string, string> = new Map(),
): EnvSnapshot {
  const distributions: Record<string, Distribution> = {};
  const shadowed: Distribution[] = [];
  for (const raw of probe.distributions) {
    const dist = toDistribution(raw, probe.prefix, condaOwned, records);
    if (distributions[dist.name]) shadowed.push(dist);
    else distributions[dist.name] = dist;
  }
  const sitePackages = [...probe.sitePackages];
  if (probe.userSite && !sitePackages.includes(probe.userSite)) sitePackages.push(probe.userSite);
  let kind: EnvKind = 'interpreter';
  if (condaOwned) kind = 'conda';
  else if (probe.prefix !== probe.basePrefix) kind = 'venv';
  return {
    kind,
    source: target.prefix ?? target.interpreter,
    python: { version: probe.python.version, implementation: probe.python.implementation, executable: probe.python.executable || target.interpreter },
    platform: { system: probe.platform.system, machine: probe.platform.machine },
    prefix: probe.prefix,
    sitePackages,
    distributions,
    shadowed,
    envVars: { ...probe.envVars },
    planned: false,
    ...(condaOwned ? { condaMeta: join(probe.prefix, 'conda-meta') } : {}),
  };
}

function toDistribution(raw: RawDistribution, prefix: string, condaOwned: Set<string> | null, records: ReadonlyMap<string, string>): Distribution {
  const recordText = raw.record ? records.get(raw.record.path) : undefined;
  let files: string[] = [];
  if (raw.record && recordText !== undefined) {
    files = raw.record.format === 'record' ? parseRecord(recordText) : parseInstalledFiles(recordText, basename(raw.metadataDir));
  }
  const dist: Distribution = {
    name: normalizeName(raw.name),
    displayName: raw.name,
    version: raw.version,
    installer: raw.installer,
    location: raw.location,
    metadataDir: raw.metadataDir,
    files,
    importPackages: raw.topLevel && raw.topLevel.length > 0 ? [...raw.topLevel].sort() : importPackagesFromRecord(files),
    requires: raw.requires,
    requiresPython: raw.requiresPython ?? null,
  };
  if (condaOwned) dist.condaOwned = condaOwned.has(relative(prefix, raw.metadataDir).split(sep).join('/'));
  return dist;
}
