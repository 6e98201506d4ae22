// Why a route has no environment for a target: a chain of facts, each with where it comes from
// (the index's files, a release's METADATA, a matrix rule and its evidence), PubGrub-style. Data only;
// src/report/lock.ts words it.
import { normalizeName } from '../env/names.js';
import { parseRequirement } from '../env/requirements.js';
import type { Evidence, Matrix } from '../matrix/types.js';
import type { Domain, SolveFailure } from './solve.js';
import type { LockRouteSpec } from './spec.js';
import type { Target } from './types.js';

export type ExplainFact =
  /** the route needs `pkg`: declared by `by` (Requires-Dist), or undeclared (proven by a matrix rule) */
  | { kind: 'route-needs'; route: string; pkg: string; by: string | null; requirement: string | null; rule: string | null; note: string | null }
  /** the user asked for it (--with) */
  | { kind: 'user-pin'; pkg: string; requirement: string }
  /** not on any configured index */
  | { kind: 'not-on-index'; pkg: string }
  /** no release has a file for the target */
  | { kind: 'no-file'; pkg: string; releases: number; newest: string | null; tagsSeen: string[] }
  /** every release that has files requires another Python */
  | { kind: 'requires-python'; pkg: string; releases: number; examples: { version: string; requiresPython: string }[] }
  /** a release's METADATA excludes what was chosen */
  | { kind: 'requires'; from: string; requirement: string; excludes: string; count: number }
  /** a matrix rule (with its evidence) blocks the combination */
  | { kind: 'rule'; code: string; title: string; packages: string; count: number; evidence: Evidence[] }
  /** pip's resolver turned the candidate pins down */
  | { kind: 'pip'; detail: string };

export interface Alternative {
  route: string;
  python: string;
  /** the solver's key pins for it (pip referees them when that plan is asked for) */
  pins: string[];
}

export interface Explanation {
  route: string;
  target: Target;
  facts: ExplainFact[];
  /** set when the search stopped at its node budget instead of exhausting the choices */
  budgetExhausted: boolean;
  nodes: number;
  alternatives: Alternative[];
}

export function explainFailure(
  failure: SolveFailure, route: LockRouteSpec, target: Target, domains: Domain[], matrix: Matrix, extra: ExplainFact[] = [],
): Explanation {
  const facts: ExplainFact[] = [];
  for (const d of failure.empty) {
    facts.push(needFact(d, route, domains));
    facts.push(emptyFact(d));
  }
  if (failure.empty.length === 0) {
    for (const { conflict, count } of failure.conflicts.slice(0, 6)) {
      if (conflict.kind === 'requires') {
        facts.push({ kind: 'requires', from: `${conflict.from.name} ${conflict.from.version}`, requirement: conflict.requirement, excludes: `${conflict.to.name} ${conflict.to.version}`, count });
      } else if (conflict.kind === 'rule') {
        const rule = matrix.rules.find((r) => r.code === conflict.code);
        facts.push({
          kind: 'rule', code: conflict.code, title: rule?.title ?? conflict.code, count, evidence: rule?.evidence ?? [],
          packages: conflict.packages.map((p) => (p.version ? `${p.name} ${p.version}` : p.name)).join(', '),
        });
      }
    }
  }
  facts.push(...extra);
  return { route: route.route, target, facts, budgetExhausted: !failure.exhausted, nodes: failure.nodes, alternatives: [] };
}

function needFact(d: Domain, route: LockRouteSpec, domains: Domain[]): ExplainFact {
  if (d.fixedBy) return { kind: 'user-pin', pkg: d.spec.name, requirement: d.fixedBy };
  const need = route.needs.find((n) => n.requires === d.spec.name);
  if (need) return { kind: 'route-needs', route: route.route, pkg: d.spec.name, by: need.package, requirement: null, rule: need.rule, note: need.note };
  // declared by another route package's newest candidate
  for (const other of domains) {
    const newest = other.candidates[0];
    const req = newest?.requiresDist.find((r) => nameOf(r) === d.spec.name && !/extra\s*==/.test(r));
    if (newest && req) return { kind: 'route-needs', route: route.route, pkg: d.spec.name, by: `${other.spec.name} ${newest.version}`, requirement: req, rule: null, note: null };
  }
  return { kind: 'route-needs', route: route.route, pkg: d.spec.name, by: null, requirement: null, rule: null, note: null };
}

function emptyFact(d: Domain): ExplainFact {
  if (d.unknown) return { kind: 'not-on-index', pkg: d.spec.name };
  const noFile = d.rejected.filter((r) => r.kind === 'no-file-for-target');
  const rp = d.rejected.filter((r): r is Extract<typeof r, { kind: 'requires-python' }> => r.kind === 'requires-python');
  if (rp.length > 0 && rp.length >= noFile.length) {
    return { kind: 'requires-python', pkg: d.spec.name, releases: rp.length, examples: rp.slice(0, 3).map((r) => ({ version: r.version, requiresPython: r.requiresPython })) };
  }
  const newest = noFile[0];
  return {
    kind: 'no-file', pkg: d.spec.name, releases: noFile.length, newest: newest?.version ?? null,
    tagsSeen: newest && newest.kind === 'no-file-for-target' ? newest.tagsSeen : [],
  };
}

function nameOf(req: string): string {
  try {
    return normalizeName(parseRequirement(req).name);
  } catch {
    return '';
  }
}
