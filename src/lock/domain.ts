// The candidates of one solver variable for a target: the project's releases on the configured
// index, filtered to those with an installable file (wheel tags, Requires-Python, not yanked),
// newest first, optionally the newest of each minor line, with their metadata.
import { isPrerelease, isValidVersion, compareVersions, majorMinor, satisfies } from '../matrix/pep440.js';
import { normalizeName } from '../env/names.js';
import type { LockPackageSpec } from './spec.js';
import type { Candidate, Domain, ReleaseRejection } from './solve.js';
import type { IndexFacts, IndexRelease, Target } from './types.js';

/** Decides whether a release has a file pip would install for the target; tags seen otherwise. */
export type ReleaseFilter = (release: IndexRelease, target: Target) => { ok: true } | { ok: false; tagsSeen: string[] };

export interface DomainOptions {
  /** a PEP 440 specifier the user fixed (--with), '' for a bare name */
  fixed?: string;
  fixedBy?: string;
  filter: ReleaseFilter;
  /**
   * fix's "fewest changes": the installed version is tried first (kept even when a pre-release), then the
   * others by their distance from it in the candidate order (ties: the newer first). Unset: newest first.
   */
  prefer?: string;
  /** fix: the variable may be left out, tried before ('first') or after ('last') every release */
  absent?: 'first' | 'last';
}

// A release's verdict for a target, per filter: the referee's rounds (and fix's variants) rebuild the
// same domains, and judging every wheel tag of numpy's thousand files again costs tens of ms.
const verdicts = new WeakMap<ReleaseFilter, WeakMap<IndexRelease, Map<string, ReturnType<ReleaseFilter>>>>();

function judged(filter: ReleaseFilter, release: IndexRelease, files: IndexRelease['files'], target: Target): ReturnType<ReleaseFilter> {
  let byRelease = verdicts.get(filter);
  if (!byRelease) verdicts.set(filter, byRelease = new WeakMap());
  let byTarget = byRelease.get(release);
  if (!byTarget) byRelease.set(release, byTarget = new Map());
  const key = JSON.stringify(target);
  let v = byTarget.get(key);
  if (!v) byTarget.set(key, v = filter({ ...release, files }, target));
  return v;
}

export async function buildDomain(spec: LockPackageSpec, facts: IndexFacts, target: Target, opts: DomainOptions): Promise<Domain> {
  const project = await facts.project(spec.name);
  const base: Domain = { spec, candidates: [], rejected: [], ...(opts.fixedBy ? { fixedBy: opts.fixedBy } : {}), ...(opts.absent ? { absent: opts.absent } : {}) };
  if (!project) return { ...base, unknown: true };
  const rejected: ReleaseRejection[] = [];
  const releases = [...project.releases]
    .filter((r) => opts.fixed !== undefined && opts.fixed !== '' ? satisfies(r.version, opts.fixed)
      : isValidVersion(r.version) && (!isPrerelease(r.version) || r.version === opts.prefer))
    .sort((a, b) => compareVersions(b.version, a.version));
  const kept: IndexRelease[] = [];
  // with `lines: minor` the other releases stay candidates, after every line's newest: a release that
  // pins an exact version (onnx2tf 1.29.24: tensorflow==2.19.0) must still find it
  const later: IndexRelease[] = [];
  const lines = new Set<string>();
  for (const release of releases) {
    const files = release.files.filter((f) => !f.yanked);
    if (files.length === 0) { rejected.push({ kind: 'yanked', version: release.version }); continue; }
    const rp = files.map((f) => f.requiresPython).find((x) => x) ?? '';
    if (rp && !satisfies(pythonForSpecifiers(target.python), rp)) {
      rejected.push({ kind: 'requires-python', version: release.version, requiresPython: rp });
      continue;
    }
    const fit = judged(opts.filter, release, files, target);
    if (!fit.ok) { rejected.push({ kind: 'no-file-for-target', version: release.version, tagsSeen: fit.tagsSeen }); continue; }
    if (spec.lines === 'minor' && !opts.fixed) {
      const line = majorMinor(release.version) ?? release.version;
      if (lines.has(line)) { later.push(release); continue; }
      lines.add(line);
    }
    kept.push(release);
  }
  // metadata is read only for the candidates the search reaches (newest first, so few)
  const ordered = opts.prefer !== undefined ? byDistance([...kept, ...later], opts.prefer) : [...kept, ...later];
  const candidates = ordered.map((r): Candidate => {
    const cand: Candidate = { version: r.version, requiresDist: [], requiresPython: '', extras: [] };
    let loading: Promise<boolean> | null = null;
    cand.load = () => (loading ??= facts.metadata(spec.name, r.version).then((meta) => {
      cand.requiresDist = meta?.requiresDist ?? [];
      cand.requiresPython = meta?.requiresPython ?? '';
      cand.extras = spec.extras.filter((x) => declaresExtra(cand.requiresDist, x));
      // Requires-Python in METADATA can be stricter than what the index states
      if (cand.requiresPython && !satisfies(pythonForSpecifiers(target.python), cand.requiresPython)) {
        rejected.push({ kind: 'requires-python', version: cand.version, requiresPython: cand.requiresPython });
        return false;
      }
      return true;
    }));
    return cand;
  });
  return { ...base, candidates, rejected };
}

/** Releases ordered by distance from `prefer` in version order (itself first; ties: the newer first). */
function byDistance(releases: IndexRelease[], prefer: string): IndexRelease[] {
  const sorted = [...releases].sort((a, b) => compareVersions(b.version, a.version));
  // where the preferred version sits (or would sit) among the candidates
  let at = sorted.findIndex((r) => compareVersions(r.version, prefer) <= 0);
  if (at < 0) at = sorted.length;
  const exact = sorted[at] && compareVersions(sorted[at]!.version, prefer) === 0;
  const distance = (i: number) => (i < at ? at - i - (exact ? 0 : 0.5) : i - at + (exact ? 0 : 0.5));
  return sorted.map((r, i) => ({ r, d: distance(i), i })).sort((a, b) => a.d - b.d || a.i - b.i).map((x) => x.r);
}

/** The version Requires-Python is checked against: "3.12" means 3.12.0, as for pip's --python-version. */
export function pythonForSpecifiers(python: string): string {
  return python.split('.').length >= 3 ? python : `${python}.0`;
}

/** Does some Requires-Dist line apply only under `extra == "<extra>"` (names compared as PEP 685 does)? */
function declaresExtra(requiresDist: string[], extra: string): boolean {
  const wanted = normalizeName(extra);
  return requiresDist.some((r) => [...r.matchAll(/extra\s*==\s*["']([^"']+)["']/g)].some((m) => normalizeName(m[1]!) === wanted));
}
