// Reads pip's installation report (`pip install --report`, format version "1", pip >= 22.2) into
// resolved packages, and works out for each package which resolved packages' Requires-Dist pull it
// in for the target (PEP 508 markers and extras evaluated for the target), for `# via` lines.
import { evaluateMarker, type MarkerEnvironment } from '../env/markers.js';
import { normalizeName } from '../env/names.js';
import { parseRequirement, type ParsedRequirement } from '../env/requirements.js';
import type { MarkerDrift, ResolvedPackage } from './types.js';

/** The parts of a report entry this module reads (https://pip.pypa.io/en/stable/reference/installation-report/). */
interface ReportItem {
  requested: boolean;
  requested_extras?: string[];
  download_info: { url: string };
  metadata: { name: string; version: string; requires_dist?: string[]; requires_python?: string };
}

export interface PipReport {
  version: string;
  pipVersion: string;
  /** the marker environment pip evaluated with: the interpreter that ran pip */
  environment: MarkerEnvironment;
  items: ReportItem[];
}

export class ReportError extends Error {}

export function parseReport(text: string): PipReport {
  let j: unknown;
  try { j = JSON.parse(text); } catch (e) { throw new ReportError(`pip's report is not JSON: ${(e as Error).message}`); }
  const r = j as { version?: unknown; pip_version?: unknown; install?: unknown; environment?: unknown };
  if (r.version !== '1') throw new ReportError(`pip's report has format version ${JSON.stringify(r.version)}; only "1" is known`);
  if (!Array.isArray(r.install)) throw new ReportError('pip\'s report has no "install" list');
  for (const it of r.install as ReportItem[]) {
    if (typeof it?.metadata?.name !== 'string' || typeof it.metadata.version !== 'string' || typeof it.download_info?.url !== 'string') {
      throw new ReportError('a report entry lacks metadata.name, metadata.version or download_info.url');
    }
  }
  return {
    version: r.version, pipVersion: String(r.pip_version ?? ''), environment: (r.environment ?? {}) as MarkerEnvironment,
    items: r.install as ReportItem[],
  };
}

export interface ReportReading {
  packages: ResolvedPackage[];
  /** requirements of resolved packages that apply for the target but name a package pip did not resolve */
  missing: { from: string; requirement: ParsedRequirement }[];
  /** resolved packages nothing requested reaches for the target (pip's own environment pulled them in) */
  unreachable: string[];
  drift: MarkerDrift[];
}

/**
 * Resolved packages with `via`, evaluated for `targetEnv`. When pip evaluated markers with another
 * environment (report.environment differs), the differences come back as drift, missing and unreachable.
 */
export function readReport(report: PipReport, targetEnv: MarkerEnvironment): ReportReading {
  const byName = new Map(report.items.map((it) => [normalizeName(it.metadata.name), it]));
  const extras = new Map<string, Set<string>>();
  for (const [name, it] of byName) extras.set(name, new Set((it.requested_extras ?? []).map(normalizeExtra)));
  const parsed = new Map<string, { raw: string; req: ParsedRequirement }[]>();
  for (const [name, it] of byName) {
    const reqs: { raw: string; req: ParsedRequirement }[] = [];
    for (const raw of it.metadata.requires_dist ?? []) {
      try { reqs.push({ raw, req: parseRequirement(raw) }); } catch { /* pip >= 24.1 ignores invalid requirements too */ }
    }
    parsed.set(name, reqs);
  }
  // extras spread along edges (a[x] -> b[y] activates b's y), so iterate to a fixpoint
  const edges = new Map<string, Set<string>>(); // dependency -> dependants
  const missing: ReportReading['missing'] = [];
  let changed = true;
  while (changed) {
    changed = false;
    edges.clear();
    missing.length = 0;
    for (const [name, reqs] of parsed) {
      const active = extras.get(name)!;
      for (const { req } of reqs) {
        if (!applies(req.marker, targetEnv, active)) continue;
        const dep = normalizeName(req.name);
        if (!byName.has(dep)) { missing.push({ from: name, requirement: req }); continue; }
        const depExtras = extras.get(dep)!;
        for (const e of req.extras.map(normalizeExtra)) {
          if (!depExtras.has(e)) { depExtras.add(e); changed = true; }
        }
        // a package naming itself (pkg[all] -> pkg[a]) only spreads extras
        if (dep === name) continue;
        if (!edges.has(dep)) edges.set(dep, new Set());
        edges.get(dep)!.add(name);
      }
    }
  }
  const drift: MarkerDrift[] = [];
  for (const [name, reqs] of parsed) {
    for (const { raw, req } of reqs) {
      if (!req.marker) continue;
      const forTarget = applies(req.marker, targetEnv, extras.get(name)!);
      const forPip = applies(req.marker, report.environment, extras.get(name)!);
      if (forTarget !== forPip) drift.push({ from: name, requirement: raw, target: forTarget, pip: forPip });
    }
  }
  // reachable from the requested roots along the target's edges
  const dependencies = new Map<string, string[]>();
  for (const [dep, dependants] of edges) for (const d of dependants) dependencies.set(d, [...(dependencies.get(d) ?? []), dep]);
  const reached = new Set<string>();
  const queue = report.items.filter((it) => it.requested).map((it) => normalizeName(it.metadata.name));
  while (queue.length > 0) {
    const n = queue.pop()!;
    if (reached.has(n)) continue;
    reached.add(n);
    queue.push(...(dependencies.get(n) ?? []));
  }
  const packages: ResolvedPackage[] = [...byName].map(([name, it]) => ({
    name,
    displayName: it.metadata.name,
    version: it.metadata.version,
    requested: it.requested,
    requiresDist: it.metadata.requires_dist ?? [],
    requiresPython: it.metadata.requires_python ?? '',
    url: it.download_info.url,
    via: [...(edges.get(name) ?? [])].filter((d) => reached.has(d)).sort(),
  }));
  packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { packages, missing, unreachable: [...byName.keys()].filter((n) => !reached.has(n)).sort(), drift };
}

/** A marker holds when it is true with no extra or with any active extra (PEP 685 spellings tried both ways). */
function applies(marker: string | undefined, env: MarkerEnvironment, active: ReadonlySet<string>): boolean {
  if (!marker) return true;
  const tries = [''];
  for (const e of active) tries.push(e, e.replace(/-/g, '_'));
  try {
    return tries.some((extra) => evaluateMarker(marker, { ...env, extra }));
  } catch {
    return false;
  }
}

function normalizeExtra(extra: string): string {
  return normalizeName(extra);
}
