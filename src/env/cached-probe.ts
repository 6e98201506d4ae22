// Reading an installed env through the snapshot cache (src/env/snapshot-cache.ts): an unchanged env
// is answered from the cache without starting Python; otherwise the probe runs (recording the stats
// of everything it reads) and its snapshot is stored for next time.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toolBuild } from '../util/package-root.js';
import type { Target } from './discover.js';
import { recordOverlaps } from './overlaps.js';
import type { ProbeOptions } from './probe.js';
import { pythonScript } from './python-scripts.js';
import {
  cacheEntryFor, isRacy, lookupSnapshot, snapshotCacheFile, snapshotIdentity, statKey, storeSnapshot, type PathStats,
} from './snapshot-cache.js';
import type { EnvSnapshot } from './types.js';

export interface CachedProbeOptions extends ProbeOptions {
  /** see RACY_MARGIN_MS (tests that change an env and check it at once pass 0) */
  racyMarginMs?: number;
}

export interface CachedProbeResult {
  snapshot: EnvSnapshot;
  /** what the cache did, for --verbose: "hit", "stored", or why nothing was stored */
  cache: string;
  /** the cache file of this env */
  file: string;
}

export async function probeEnvironmentCached(target: Target, opts: CachedProbeOptions = {}): Promise<CachedProbeResult> {
  // the probe inherits process.env: the identity reads the same
  const env = process.env;
  const identity = snapshotIdentity(target, env, toolBuild(), readFileSync(pythonScript('probe.py'), 'utf8'));
  const file = snapshotCacheFile(identity, env);
  const found = lookupSnapshot(file, identity);
  if (found.hit) return { snapshot: found.snapshot, cache: 'hit', file };
  const missed = found.reason === 'changed' ? `changed: ${found.path}` : found.reason;

  // what Node itself reads, stat'ed before the probe starts: the interpreter, the guessed conda-meta
  const guessedPrefix = target.prefix ?? dirname(dirname(target.interpreter));
  const own: PathStats = {
    [target.interpreter]: statKey(target.interpreter),
    [join(guessedPrefix, 'conda-meta')]: statKey(join(guessedPrefix, 'conda-meta')),
  };
  const started = Date.now();
  // the probe (and the child-process machinery) loads only on a miss
  const { probeEnvironmentWithStats } = await import('./probe.js');
  const { snapshot, probe } = await probeEnvironmentWithStats(target, opts);
  snapshot.recordOverlaps = recordOverlaps(Object.values(snapshot.distributions));
  // a launcher (a pyenv or conda shim) may start another interpreter next time: only a direct one is cached
  if (probe.python.executable !== target.interpreter) return { snapshot, cache: `${missed}; not stored: ${target.interpreter} is a launcher for ${probe.python.executable}`, file };
  if (!probe.stats) return { snapshot, cache: `${missed}; not stored: the probe listed no stats`, file };
  const stats = { ...probe.stats, ...own };
  if (isRacy(stats, started, opts.racyMarginMs)) return { snapshot, cache: `${missed}; not stored: the env changed moments ago`, file };
  const stored = storeSnapshot(file, cacheEntryFor(identity, snapshot, stats));
  return { snapshot, cache: `${missed}; ${stored ? 'stored' : 'not stored: the cache folder is not writable'}`, file };
}
