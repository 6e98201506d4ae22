// The lock solver: chooses versions for a route's distributions (matrix/lock.yaml) so that, for the
// target Python and platform, every chosen release has an installable file, the releases' own
// Requires-Dist hold between them, and no `error` rule of the matrix blocks the route (rules whose
// remedy is a catalogue patch or an export option become plan steps instead). Newest first, depth
// first, deterministic. Pure: index facts, the matrix evaluator and the patch catalogue are injected.
// pip's resolver judges the closure afterwards (plan.ts); this search only picks the pins it is given.
import type { EnvSnapshot, Distribution } from '../env/types.js';
import { evaluateMarker, markerEnvironment, type MarkerEnvironment } from '../env/markers.js';
import { parseRequirement } from '../env/requirements.js';
import { normalizeName } from '../env/names.js';
import { satisfies } from '../matrix/pep440.js';
import { packagesRead, staysTrueWhenPackagesAdded, type Matrix } from '../matrix/types.js';
import type { Finding } from '../diagnose/types.js';
import type { LockPackageSpec, LockRouteSpec } from './spec.js';
import type { Target } from './types.js';

/** One release the solver may choose, with its metadata. */
export interface Candidate {
  version: string;
  requiresDist: string[];
  requiresPython: string;
  /** extras of this release the plan asks for */
  extras: string[];
  /** reads the metadata into the fields above; false when it rules the release out for the target */
  load?: () => Promise<boolean>;
}

/** Why a release is not a candidate at all for the target. */
export type ReleaseRejection =
  | { kind: 'no-file-for-target'; version: string; /** the interpreter/platform tags its files do have */ tagsSeen: string[] }
  | { kind: 'requires-python'; version: string; requiresPython: string }
  | { kind: 'yanked'; version: string };

/** The candidates of one variable, newest first, and what was filtered out before the search. */
export interface Domain {
  spec: LockPackageSpec;
  candidates: Candidate[];
  rejected: ReleaseRejection[];
  /** set when the user fixed the version (--with) */
  fixedBy?: string;
  /** the project is not on any configured index */
  unknown?: boolean;
  /** fix: the variable may be left out (null), tried before ('first') or after ('last') every release */
  absent?: 'first' | 'last';
}

/** A reason the search turned a partial choice down. */
export type Conflict =
  | { kind: 'requires'; from: { name: string; version: string }; requirement: string; to: { name: string; version: string } }
  | { kind: 'rule'; code: string; packages: { name: string; version: string | null }[]; args: Record<string, string> }
  | { kind: 'no-candidate'; name: string };

export interface Choice {
  /** normalised name -> chosen candidate (null: left to pip) */
  picks: Map<string, Candidate | null>;
}

export interface SolveInput {
  route: LockRouteSpec;
  target: Target;
  domains: Domain[];
  /** evaluates the matrix on a planned snapshot with the given patches applied (only the rules `onlyCodes` names, when given) */
  evaluate: (snapshot: EnvSnapshot, patches: string[], onlyCodes?: ReadonlySet<string>) => Finding[];
  /** catalogue patches: id -> the distribution and version range it patches and the rule codes it fixes */
  patches: { id: string; distribution: string; versions: string; fixes: string[] }[];
  allowPatches: boolean;
  /** choices turned down by the referee in earlier rounds (names -> versions) */
  nogoods?: Record<string, string | null>[];
  /** search budget in visited nodes; beyond it the search stops with what it found */
  maxNodes?: number;
  matrix: Matrix;
  /** which findings rule a choice out (default: errors that block the route); fixedByPatch, export-option and partial-choice monotonicity still apply */
  blocks?: (f: Finding) => boolean;
  /**
   * fix: a variable left out (null) is uninstalled, and names here stay uninstalled, so a chosen release
   * whose Requires-Dist names either conflicts (pip would install it again)
   */
  absentMeansUninstalled?: { names: ReadonlySet<string> };
}

export interface SolveSuccess {
  ok: true;
  pins: { name: string; version: string; extras: string[] }[];
  /** patches the plan applies after install, each with the rule codes it clears */
  patches: { id: string; fixes: string[] }[];
  /** error findings whose remedy is an export option (the plan's export call) */
  exportSteps: Finding[];
  warnings: Finding[];
  nodes: number;
  /** variables the plan leaves out (optional ones chosen as null) */
  absent?: string[];
}

export interface SolveFailure {
  ok: false;
  /** distinct reasons, most frequent first, with how often each turned a choice down */
  conflicts: { conflict: Conflict; count: number }[];
  /** variables with no candidate at all for the target */
  empty: Domain[];
  nodes: number;
  exhausted: boolean;
}

export type SolveResult = SolveSuccess | SolveFailure;

export async function solve(input: SolveInput): Promise<SolveResult> {
  const { route, target, domains } = input;
  const env = markerEnvironment(target.python, target.platform);
  const monotoneCodes = new Set(input.matrix.rules.filter((r) => staysTrueWhenPackagesAdded(r.when)).map((r) => r.code));
  const conflictCounts = new Map<string, { conflict: Conflict; count: number }>();
  const note = (c: Conflict) => {
    const key = JSON.stringify(c);
    const e = conflictCounts.get(key);
    if (e) e.count++; else conflictCounts.set(key, { conflict: c, count: 1 });
  };
  const empty = domains.filter((d) => d.candidates.length === 0 && !d.spec.optional);
  if (empty.length > 0) {
    for (const d of empty) note({ kind: 'no-candidate', name: d.spec.name });
    return { ok: false, conflicts: [...conflictCounts.values()], empty, nodes: 0, exhausted: true };
  }
  const maxNodes = input.maxNodes ?? 20_000;
  let nodes = 0;
  const picks = new Map<string, Candidate | null>();

  const blocks = input.blocks ?? ((f: Finding) => f.severity === 'error' && f.blocks.includes(route.route));
  const blockers = (findings: Finding[], partial: boolean): Finding[] => findings.filter((f) =>
    blocks(f) && !f.fixedByPatch
    && !f.fixes.some((x) => x.kind === 'export-option')
    && (!partial || monotoneCodes.has(f.code)));

  const applicablePatches = (): SolveInput['patches'] => !input.allowPatches ? [] : input.patches.filter((p) => {
    const c = picks.get(p.distribution);
    return c ? satisfies(c.version, p.versions) : false;
  });

  let found: SolveSuccess | null = null;

  // Conflict-directed backjumping: a failed subtree returns the variables its failures read; when the
  // variable above is not among them, its other values would fail the same way and are skipped.
  const reads = ruleReads(input.matrix, domains, input.patches);
  const everything = (): Set<string> => new Set(picks.keys());
  const involved = (f: Finding): Set<string> => {
    const r = reads.get(f.code);
    return r === undefined || r === 'any' ? everything() : new Set([...r].filter((n) => picks.has(n)));
  };
  type Outcome = true | Set<string>;

  const visit = async (depth: number): Promise<Outcome> => {
    if (nodes >= maxNodes) return everything();
    if (depth === domains.length) {
      const snapshot = plannedSnapshot(picks, target);
      const withPatches = applicablePatches();
      const findings = input.evaluate(snapshot, withPatches.map((p) => p.id));
      const blocking = blockers(findings, false);
      if (blocking.length > 0) {
        const why = new Set<string>();
        for (const f of blocking) {
          note(ruleConflict(f));
          for (const n of involved(f)) why.add(n);
        }
        return why;
      }
      if (isNogood(picks, input.nogoods)) return everything();
      // patches the plan needs: those whose fixed codes show up when nothing is patched
      const unpatched = withPatches.length ? input.evaluate(snapshot, []) : findings;
      const unpatchedCodes = new Set(unpatched.filter((f) => f.severity === 'error').map((f) => f.code));
      const needed = withPatches
        .map((p) => ({ id: p.id, fixes: p.fixes.filter((c) => unpatchedCodes.has(c)) }))
        .filter((p) => p.fixes.length > 0);
      found = {
        ok: true,
        pins: [...picks.entries()].filter((e): e is [string, Candidate] => e[1] !== null)
          .map(([name, c]) => ({ name, version: c.version, extras: c.extras })),
        patches: needed,
        exportSteps: findings.filter((f) => f.severity === 'error' && f.blocks.includes(route.route) && !f.fixedByPatch
          && f.fixes.some((x) => x.kind === 'export-option')),
        warnings: findings.filter((f) => f.severity === 'warning'),
        nodes,
        absent: [...picks.entries()].filter(([, c]) => c === null).map(([name]) => name),
      };
      return true;
    }
    const domain = domains[depth]!;
    const name = domain.spec.name;
    const options: (Candidate | null)[] = domain.absent === 'last' ? [...domain.candidates, null]
      : domain.absent === 'first' || (domain.spec.optional && !domain.fixedBy) ? [null, ...domain.candidates] : domain.candidates;
    const why = new Set<string>();
    for (const cand of options) {
      nodes++;
      if (nodes >= maxNodes) return everything();
      if (input.absentMeansUninstalled) {
        const gone = absenceConflict(name, cand, picks, env);
        if (gone) { note(gone); if (gone.kind === 'requires') why.add(gone.from.name); continue; }
      }
      // what the chosen releases require of this one is known before its own metadata is read
      const early = cand ? requirementConflict(name, cand, picks, env, 'theirs') : null;
      if (early) { note(early); why.add(early.kind === 'requires' ? early.from.name : name); continue; }
      if (cand?.load && !(await cand.load())) continue;
      const conflict = cand ? requirementConflict(name, cand, picks, env, 'its') : null;
      if (conflict) { note(conflict); if (conflict.kind === 'requires') why.add(conflict.to.name); continue; }
      if (cand && input.absentMeansUninstalled) {
        const needs = absentRequirement(name, cand, picks, env, input.absentMeansUninstalled.names);
        // a variable left out is part of the reason; a name that must stay uninstalled is not a choice
        if (needs) { note(needs); if (needs.kind === 'requires' && picks.has(needs.to.name)) why.add(needs.to.name); continue; }
      }
      picks.set(name, cand);
      let outcome: Outcome | null = null;
      if (cand) {
        // only rules that stay true as packages are added can turn a partial choice down
        const partial = blockers(input.evaluate(plannedSnapshot(picks, target), applicablePatches().map((p) => p.id), monotoneCodes), true);
        if (partial.length > 0) {
          outcome = new Set<string>();
          for (const f of partial) {
            note(ruleConflict(f));
            for (const n of involved(f)) outcome.add(n);
          }
        }
      }
      outcome ??= await visit(depth + 1);
      picks.delete(name);
      if (outcome === true) { picks.set(name, cand); return true; }
      if (!outcome.has(name)) return outcome;
      for (const n of outcome) if (n !== name) why.add(n);
    }
    return why;
  };

  if ((await visit(0)) === true && found) return found;
  const conflicts = [...conflictCounts.values()].sort((a, b) => b.count - a.count);
  return { ok: false, conflicts, empty: [], nodes, exhausted: nodes < maxNodes };
}

/**
 * For each rule code, the solver's variables its condition reads (families expanded to their
 * distributions), or 'any'. A patch's distribution counts as read by every rule: whether a patch
 * applies, and so whether a finding is cleared, depends on its version.
 */
function ruleReads(matrix: Matrix, domains: Domain[], patches: SolveInput['patches']): Map<string, ReadonlySet<string> | 'any'> {
  const variables = new Set(domains.map((d) => d.spec.name));
  const familyMembers = new Map(matrix.families.map((f) => [normalizeName(f.name), f.distributions.map(normalizeName)]));
  const patched = patches.map((p) => normalizeName(p.distribution)).filter((n) => variables.has(n));
  const out = new Map<string, ReadonlySet<string> | 'any'>();
  for (const rule of matrix.rules) {
    const r = packagesRead(rule.when);
    if (r === 'any') { out.set(rule.code, 'any'); continue; }
    const names = new Set<string>(patched);
    for (const n of r) {
      const norm = normalizeName(n);
      for (const d of familyMembers.get(norm) ?? [norm]) if (variables.has(d)) names.add(d);
    }
    const prev = out.get(rule.code);
    // two rules may share a code: the union of what they read
    if (prev === 'any') continue;
    out.set(rule.code, prev ? new Set([...prev, ...names]) : names);
  }
  return out;
}

function ruleConflict(f: Finding): Conflict {
  return { kind: 'rule', code: f.code, packages: f.packages, args: f.args ?? {} };
}

function isNogood(picks: Map<string, Candidate | null>, nogoods?: Record<string, string | null>[]): boolean {
  return (nogoods ?? []).some((ng) => Object.entries(ng).every(([n, v]) => (picks.get(n)?.version ?? null) === v));
}

/** Does `cand` (for `name`) contradict a Requires-Dist between it and an already chosen release? */
export function requirementConflict(
  name: string, cand: Candidate, picks: Map<string, Candidate | null>, env: MarkerEnvironment, side: 'theirs' | 'its' | 'both' = 'both',
): Conflict | null {
  for (const [other, chosen] of picks) {
    if (!chosen) continue;
    if (side !== 'its') for (const req of applicable(chosen, env)) {
      if (req.name === name && req.specifier && !satisfies(cand.version, req.specifier)) {
        return { kind: 'requires', from: { name: other, version: chosen.version }, requirement: req.text, to: { name, version: cand.version } };
      }
    }
    if (side !== 'theirs') for (const req of applicable(cand, env)) {
      if (req.name === other && req.specifier && !satisfies(chosen.version, req.specifier)) {
        return { kind: 'requires', from: { name, version: cand.version }, requirement: req.text, to: { name: other, version: chosen.version } };
      }
    }
  }
  return null;
}

/** Leaving `name` out (cand null) while a chosen release requires it: pip would install it again. */
function absenceConflict(
  name: string, cand: Candidate | null, picks: Map<string, Candidate | null>, env: MarkerEnvironment,
): Conflict | null {
  if (cand) return null;
  for (const [other, chosen] of picks) {
    if (!chosen) continue;
    const req = applicable(chosen, env).find((r) => r.name === name);
    if (req) return { kind: 'requires', from: { name: other, version: chosen.version }, requirement: req.text, to: { name, version: 'uninstalled' } };
  }
  return null;
}

/** A release that requires a variable left out, or a name that must stay uninstalled. */
function absentRequirement(
  name: string, cand: Candidate, picks: Map<string, Candidate | null>, env: MarkerEnvironment, absent: ReadonlySet<string>,
): Conflict | null {
  for (const req of applicable(cand, env)) {
    const leftOut = picks.has(req.name) && picks.get(req.name) === null;
    if (leftOut || absent.has(req.name)) {
      return { kind: 'requires', from: { name, version: cand.version }, requirement: req.text, to: { name: req.name, version: 'uninstalled' } };
    }
  }
  return null;
}

const parsedCache = new WeakMap<Candidate, { name: string; specifier: string; text: string; marker?: string }[]>();

/** The Requires-Dist entries that apply for the target and the extras the plan asks for. */
function applicable(c: Candidate, env: MarkerEnvironment): { name: string; specifier: string; text: string }[] {
  let parsed = parsedCache.get(c);
  if (!parsed) {
    parsed = [];
    for (const text of c.requiresDist) {
      try {
        const r = parseRequirement(text);
        parsed.push({ name: normalizeName(r.name), specifier: r.specifier, text, ...(r.marker ? { marker: r.marker } : {}) });
      } catch {
        // an unparsable Requires-Dist line constrains nothing we can judge; pip judges it
      }
    }
    parsedCache.set(c, parsed);
  }
  return parsed.filter((r) => {
    if (!r.marker) return true;
    const extras = c.extras.length ? c.extras : [''];
    return extras.some((extra) => {
      try {
        return evaluateMarker(r.marker!, { ...env, extra });
      } catch {
        return false;
      }
    });
  });
}

/** A planned env holding exactly the chosen releases. */
export function plannedSnapshot(picks: Map<string, { version: string; requiresDist: string[]; requiresPython: string } | null>, target: Target): EnvSnapshot {
  const distributions: Record<string, Distribution> = {};
  for (const [name, c] of picks) {
    if (!c) continue;
    distributions[name] = {
      name, displayName: name, version: c.version, installer: null, location: null, metadataDir: null, files: [],
      importPackages: [], requires: c.requiresDist, requiresPython: c.requiresPython || null,
    };
  }
  return {
    kind: 'requirements', source: 'tfdoctor lock', python: { version: target.python, implementation: 'cpython', executable: '' },
    platform: target.platform, prefix: null, sitePackages: [], distributions, shadowed: [], envVars: {}, planned: true,
  };
}
