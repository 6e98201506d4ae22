// The env snapshot cache: what the probe found in an installed env, kept on disk so that the next
// `check` of an unchanged env starts no Python and reads no RECORD file. An entry is found by the
// env's identity (interpreter, prefix, the environment variables the probe depends on, tfdoctor's
// build: version and bundle hash, and its probe script) and trusted only while every path the probe
// read or listed still stats the same (mtime, ctime, inode, size; the probe took those stats before
// reading). Installing or removing a distribution adds or removes a folder in a site dir, which
// changes that dir's stats. An entry that cannot be read, parsed or matched is a miss; writing one
// is best effort and atomic.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeAtomicSync } from '../util/atomic-write.js';
import { cacheDir } from '../util/cache-dir.js';
import { recordOverlaps } from './overlaps.js';
import type { Distribution, EnvSnapshot } from './types.js';

/** Bumped whenever the entry's shape or meaning changes, so older entries are never read. */
export const SNAPSHOT_CACHE_FORMAT = 1;

/**
 * A path changed this close (ms) before the probe started is "racy": a file system with coarse
 * timestamps could record a later change with the same times. Such a snapshot is not cached
 * (the next check, later, caches it).
 */
export const RACY_MARGIN_MS = 2000;

/** Entries kept: one per env checked; beyond this many the least recently written go (throwaway venvs pile up). */
export const MAX_ENTRIES = 64;

/** The variables python/probe.py reports (its ENV_VARS); any PYTHON* variable counts as well. */
export const PROBE_ENV_VARS = ['TF_USE_LEGACY_KERAS', 'KERAS_BACKEND', 'PYTHONPATH', 'TF_CPP_MIN_LOG_LEVEL', 'CUDA_VISIBLE_DEVICES', 'PYTHONNOUSERSITE'] as const;
/** Other variables that move what the probe finds: the user site (HOME), the venv launcher on macOS. */
const LOCATION_ENV_VARS = ['HOME', '__PYVENV_LAUNCHER__'] as const;

/** path -> "mtimeNs,ctimeNs,inode,size" (as python/probe.py writes it), null when the path did not exist */
export type PathStats = Record<string, string | null>;

export interface SnapshotCacheEntry {
  format: number;
  /** the identity the key was made from, checked again on read (a hash collision is then harmless) */
  identity: string;
  stats: PathStats;
  /** the snapshot without file lists (filesOmitted), with recordOverlaps */
  snapshot: EnvSnapshot;
}

/** What identifies an env to the cache: the probed interpreter and prefix, the variables, the tool and probe. */
export function snapshotIdentity(
  target: { interpreter: string; prefix?: string },
  env: NodeJS.ProcessEnv, toolBuild: string, probeScript: string,
): string {
  const names = [...new Set([...PROBE_ENV_VARS, ...LOCATION_ENV_VARS, ...Object.keys(env).filter((k) => k.startsWith('PYTHON'))])].sort();
  const vars = names.map((k) => (env[k] === undefined ? `${k}` : `${k}=${env[k]}`));
  const probeHash = createHash('sha256').update(probeScript).digest('hex');
  return JSON.stringify([SNAPSHOT_CACHE_FORMAT, toolBuild, probeHash, target.interpreter, target.prefix ?? null, vars]);
}

/** The cache file of an identity: $cache/env-snapshots/<hash>.json. */
export function snapshotCacheFile(identity: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 32);
  return join(cacheDir(env), 'env-snapshots', `${hash}.json`);
}

/** A path's stat as python/probe.py records it (following symlinks); null when it does not exist or cannot be stat'ed. */
export function statKey(path: string): string | null {
  try {
    const s = statSync(path, { bigint: true, throwIfNoEntry: false });
    return s ? `${s.mtimeNs},${s.ctimeNs},${s.ino},${s.size}` : null;
  } catch {
    return null;
  }
}

/** The first path whose stat differs from the recorded one, or null when all still match. */
export function firstChangedPath(stats: PathStats): string | null {
  for (const [path, recorded] of Object.entries(stats)) {
    if (statKey(path) !== recorded) return path;
  }
  return null;
}

/** True when some path changed within RACY_MARGIN_MS before `probeStartedMs` (or after it). */
export function isRacy(stats: PathStats, probeStartedMs: number, marginMs = RACY_MARGIN_MS): boolean {
  const limitNs = BigInt(Math.floor(probeStartedMs - marginMs)) * 1_000_000n;
  for (const recorded of Object.values(stats)) {
    if (recorded === null) continue;
    const [mtime, ctime] = recorded.split(',');
    if (BigInt(mtime!) >= limitNs || BigInt(ctime!) >= limitNs) return true;
  }
  return false;
}

/** The entry for a freshly probed snapshot: file lists replaced by what the checks need of them. */
export function cacheEntryFor(identity: string, snapshot: EnvSnapshot, stats: PathStats): SnapshotCacheEntry {
  const overlaps = snapshot.recordOverlaps ?? recordOverlaps(Object.values(snapshot.distributions));
  const strip = (d: Distribution): Distribution => ({ ...d, files: [] });
  const distributions = Object.fromEntries(Object.entries(snapshot.distributions).map(([k, d]) => [k, strip(d)]));
  return {
    format: SNAPSHOT_CACHE_FORMAT,
    identity,
    stats,
    snapshot: { ...snapshot, distributions, shadowed: snapshot.shadowed.map(strip), recordOverlaps: overlaps, filesOmitted: true },
  };
}

export type CacheLookup =
  | { hit: true; snapshot: EnvSnapshot }
  | { hit: false; reason: 'absent' | 'unreadable' | 'other-env' | 'changed'; path?: string };

/** Reads and validates the entry in `file` for `identity`. Anything short of a valid, current entry is a miss. */
export function lookupSnapshot(file: string, identity: string): CacheLookup {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { hit: false, reason: 'absent' };
  }
  let entry: Partial<SnapshotCacheEntry>;
  try {
    entry = JSON.parse(text) as Partial<SnapshotCacheEntry>;
  } catch {
    return { hit: false, reason: 'unreadable' };
  }
  if (!isEntry(entry)) return { hit: false, reason: 'unreadable' };
  if (entry.identity !== identity) return { hit: false, reason: 'other-env' };
  const changed = firstChangedPath(entry.stats);
  if (changed !== null) return { hit: false, reason: 'changed', path: changed };
  return { hit: true, snapshot: entry.snapshot };
}

function isEntry(e: Partial<SnapshotCacheEntry> | null): e is SnapshotCacheEntry {
  if (!e || typeof e !== 'object' || e.format !== SNAPSHOT_CACHE_FORMAT || typeof e.identity !== 'string') return false;
  if (!e.stats || typeof e.stats !== 'object' || Object.keys(e.stats).length === 0) return false;
  const s = e.snapshot;
  return !!s && typeof s === 'object' && s.filesOmitted === true && Array.isArray(s.recordOverlaps)
    && !!s.distributions && typeof s.distributions === 'object' && Array.isArray(s.shadowed) && !!s.python && typeof s.python.version === 'string';
}

/** Writes the entry atomically; false when the cache folder cannot be written (only speed is lost). */
export function storeSnapshot(file: string, entry: SnapshotCacheEntry, maxEntries = MAX_ENTRIES): boolean {
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    writeAtomicSync(file, JSON.stringify(entry));
  } catch {
    return false;
  }
  pruneEntries(dir, maxEntries);
  return true;
}

/** Removes the least recently written entries beyond `maxEntries` (best effort). */
export function pruneEntries(dir: string, maxEntries: number): void {
  try {
    const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    if (names.length <= maxEntries) return;
    const aged = names.map((n) => ({ path: join(dir, n), mtime: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => a.mtime - b.mtime);
    for (const { path } of aged.slice(0, aged.length - maxEntries)) rmSync(path, { force: true });
  } catch {
    // another tfdoctor pruning at the same time, a read-only folder: nothing lost but disk
  }
}
