// `fix`'s pins through the lock solver: for each route the env aims at (its converter is installed),
// the solver chooses versions with the fewest changes to what is installed (the installed version
// first, then the nearest ones, uninstalling last), with catalogue patches allowed (keep the stack,
// patch it) and without (the pins of a coherent older stack). pip's resolver referees each plan's
// requirement lines in `lock`'s rounds (src/lock/rounds.ts): a rule pip's closure trips becomes a
// constraint, or the choice a nogood. With no plan for a route, `lock`'s explanation says why and what solves instead.
// Pure over injected services (src/fix/services.ts wires the real ones).
import { normalizeName } from '../env/names.js';
import type { EnvSnapshot } from '../env/types.js';
import type { Finding } from '../diagnose/types.js';
import type { Matrix } from '../matrix/types.js';
import { explainFailure, type Explanation } from '../lock/explain.js';
import { lock, variableDomains, type LockDeps, type Plan, type PlanStep } from '../lock/plan.js';
import { refereeRounds } from '../lock/rounds.js';
import type { Domain, SolveSuccess } from '../lock/solve.js';
import type { LockPackageSpec, LockRouteId, LockRouteSpec } from '../lock/spec.js';
import type { Target } from '../lock/types.js';
import { trackedNames } from './write.js';

/** A version change the plan makes: from null = newly installed, to null = uninstalled. */
export interface PinChange {
  name: string;
  from: string | null;
  to: string | null;
}

export interface FixPlan {
  /** the route it keeps working (null: the env has no converter; every error counts) */
  route: LockRouteId | null;
  /** 'patches': keep the stack and apply catalogue patches; 'pins': pins alone */
  kind: 'patches' | 'pins';
  /** distributions whose version the plan changes, adds or uninstalls, by name */
  changes: PinChange[];
  /** normalised names to uninstall before installing the requirement lines */
  removals: string[];
  /** patches to apply after install, and the export / convert calls */
  steps: PlanStep[];
  /** the refereed plan: requirement lines, pip's closure, constraints, rounds */
  lock: Plan;
}

export interface NoPlan {
  route: LockRouteId | null;
  kind: 'patches' | 'pins';
  /** why: `lock`'s chain of facts and the nearest targets that solve */
  explanation: Explanation;
}

/** pip could not referee (index unreachable, a file missing, a timeout): said, not hidden. */
export interface RefereeTrouble {
  route: LockRouteId | null;
  kind: 'patches' | 'pins';
  detail: string;
}

export interface FixPlans {
  target: Target;
  /** routes the env aims at (null: none is; every error counts) */
  routes: (LockRouteId | null)[];
  /** of those, the routes something blocks (the ones planned for) */
  planned: (LockRouteId | null)[];
  plans: FixPlan[];
  none: NoPlan[];
  trouble: RefereeTrouble[];
}

export interface FixPlanDeps extends LockDeps {
  /** the plans to try, in order (a planned env cannot be patched before install, but the plan can say to) */
  kinds?: ('patches' | 'pins')[];
}

/** Routes whose converter is installed: no `info` finding (X_NOT_INSTALLED) blocks them. */
export function aimedRoutes(findings: readonly Finding[], specs: readonly LockRouteSpec[]): LockRouteId[] {
  return specs.map((s) => s.route).filter((r) => !findings.some((f) => f.severity === 'info' && f.blocks.includes(r)));
}

export async function proposeFixPlans(snapshot: EnvSnapshot, target: Target, deps: FixPlanDeps): Promise<FixPlans> {
  const current = deps.evaluate(deps.matrix, snapshot, []);
  const aimed = aimedRoutes(current, deps.specs);
  const routes: (LockRouteId | null)[] = aimed.length ? aimed : [null];
  const out: FixPlans = { target, routes, planned: [], plans: [], none: [], trouble: [] };
  for (const route of routes) {
    // no converter and no error: nothing to fix, no index or pip asked. A route the env aims at is always
    // solved: what the matrix sees may be fine while the index has no file for it (tensorflow-addons on 3.12)
    if (route === null && !current.some((f) => f.severity === 'error')) continue;
    out.planned.push(route);
    for (const kind of deps.kinds ?? ['patches', 'pins']) {
      const r = await planFor(snapshot, target, route, kind, deps);
      if (r.kind === 'plan') {
        // the same pins with and without patches: one plan (the one that needs no patch)
        const same = out.plans.find((p) => p.route === route && samePins(p, r.plan));
        if (same && r.plan.steps.every((s) => s.kind !== 'patch')) out.plans[out.plans.indexOf(same)] = r.plan;
        else if (!same) out.plans.push(r.plan);
      } else if (r.kind === 'none') out.none.push({ route, kind, explanation: r.explanation });
      else out.trouble.push({ route, kind, detail: r.detail });
    }
  }
  return out;
}

function samePins(a: FixPlan, b: FixPlan): boolean {
  return JSON.stringify(a.lock.requested) === JSON.stringify(b.lock.requested) && JSON.stringify(a.removals) === JSON.stringify(b.removals);
}

type PlanResult = { kind: 'plan'; plan: FixPlan } | { kind: 'none'; explanation: Explanation } | { kind: 'trouble'; detail: string };

/** The solver's variables: the route's distributions, then every installed one the matrix knows. */
function variables(snapshot: EnvSnapshot, spec: LockRouteSpec | null, matrix: Matrix): LockPackageSpec[] {
  const known = trackedNames(matrix);
  for (const r of matrix.rules) for (const p of r.packages) known.add(normalizeName(p));
  const out: LockPackageSpec[] = spec ? spec.packages.map((p) => ({ ...p })) : [];
  for (const d of Object.values(snapshot.distributions)) {
    if (known.has(d.name) && !out.some((p) => p.name === d.name)) out.push({ name: d.name, optional: true, extras: [] });
  }
  return out;
}

/**
 * The other distributions of a family the env has a member of (tf-nightly where tensorflow is
 * installed): fix does not pull one in, which would make a second TensorFlow, Keras or onnx.
 */
function keptOut(snapshot: EnvSnapshot, matrix: Matrix, vars: readonly LockPackageSpec[]): Set<string> {
  const out = new Set<string>();
  for (const f of matrix.families) {
    if (!f.distributions.some((d) => snapshot.distributions[d])) continue;
    for (const d of f.distributions) if (!snapshot.distributions[d] && !vars.some((v) => v.name === d)) out.add(d);
  }
  return out;
}

/** Findings that rule a choice out: errors (and "not installed") of the route; every error without one. */
function blocksFor(route: LockRouteId | null): (f: Finding) => boolean {
  if (route === null) return (f) => f.severity === 'error';
  return (f) => f.blocks.includes(route) || (f.severity === 'error' && f.blocks.length === 0);
}

async function planFor(
  snapshot: EnvSnapshot, target: Target, route: LockRouteId | null, kind: 'patches' | 'pins', deps: FixPlanDeps,
): Promise<PlanResult> {
  const spec = route ? deps.specs.find((s) => s.route === route)! : null;
  const vars = variables(snapshot, spec, deps.matrix);
  // fewest changes: the installed release first, then the nearest; leaving an installed one out is tried last
  const domains = await variableDomains(vars, target, deps, (v) => {
    const installed = snapshot.distributions[v.name]?.version;
    return installed ? { prefer: installed, absent: 'last' } : { absent: 'first' };
  });
  const routeSpec: LockRouteSpec = spec ?? { route: 'onnx-tf', packages: vars, needs: [], convert: '' };
  // what pip may choose: distributions kept at their installed version that pip names in a conflict
  const released = new Set<string>();
  const r = await refereeRounds({
    solve: {
      route: routeSpec, target, domains, matrix: deps.matrix, patches: deps.patches, allowPatches: kind === 'patches',
      evaluate: (s, patches, onlyCodes) => deps.evaluate(deps.matrix, s, patches, onlyCodes),
      blocks: blocksFor(route), absentMeansUninstalled: { names: keptOut(snapshot, deps.matrix, vars) },
    },
    referee: deps.referee,
    request: (result) => requestFor(snapshot, result, released).requested,
    // a distribution kept at its installed version that the solver does not choose (onnxscript) is left
    // to pip when pip names it in the conflict; otherwise the solver's choice is turned down
    loosen: (causes, requested) => {
      const loosen = keptRootsNamed(causes, requested).filter((n) => !domains.some((d) => d.spec.name === n));
      for (const n of loosen) released.add(n);
      return loosen.length > 0;
    },
    nogood: (result, tripped) => nogood(domains, result, tripped),
    ...(deps.maxRounds ? { maxRounds: deps.maxRounds } : {}),
    ...(deps.progress ? { progress: deps.progress } : {}),
    label: `fix (${route ?? 'any route'}, ${kind}) `,
  });
  switch (r.kind) {
    case 'unsolved': {
      // why no pin helps: the route's own lock answer explains it with the index's facts and offers other targets
      if (route) {
        const answer = await lock({ route, target, with: [], allowPatches: kind === 'patches' }, { ...deps, progress: () => {} });
        if (answer.kind === 'no-solution') return { kind: 'none', explanation: answer.explanation };
      }
      return { kind: 'none', explanation: explainFailure(r.result, routeSpec, target, domains, deps.matrix) };
    }
    case 'index-lacks-file': return { kind: 'trouble', detail: `pip: ${r.detail}` };
    case 'referee-failed': {
      const o = r.outcome;
      return { kind: 'trouble', detail: o.kind === 'timeout' ? `pip's resolver did not finish within ${o.seconds.toFixed(0)} s` : `pip: ${'detail' in o ? o.detail : o.kind}` };
    }
    case 'exhausted': return { kind: 'trouble', detail: `no plan survived ${r.maxRounds} rounds of pip's resolver` };
    case 'resolved': {
      const { removals, changes } = requestFor(snapshot, r.result, released);
      const steps: PlanStep[] = r.result.patches.map((p) => ({ kind: 'patch', text: p.id, clears: p.fixes }));
      for (const f of r.result.exportSteps) {
        const fix = f.fixes.find((x) => x.kind === 'export-option');
        if (fix) steps.push({ kind: 'export', text: fix.command, clears: [f.code] });
      }
      const plan: Plan = {
        route: route ?? 'onnx-tf', target, requested: r.requested, constraints: r.constraints, closure: r.closure, steps,
        warnings: r.result.warnings, rounds: r.rounds, referee: r.referee, solverNodes: r.nodes,
      };
      // what pip chose for the distributions left to it
      for (const n of released) {
        const was = snapshot.distributions[n]?.version ?? null;
        const now = r.closure.find((p) => p.name === n)?.version ?? null;
        if (was !== now) changes.push({ name: n, from: was, to: now });
      }
      changes.sort((a, b) => a.name.localeCompare(b.name, 'en'));
      return { kind: 'plan', plan: { route, kind, changes, removals, steps, lock: plan } };
    }
  }
}

/**
 * The choice to turn down: the variables the tripped findings name (so the search moves one of them,
 * not merely the last variable), else every variable.
 */
function nogood(domains: Domain[], result: SolveSuccess, tripped: Finding[]): Record<string, string | null> {
  const named = new Set(tripped.flatMap((f) => f.packages.map((p) => p.name)));
  const vars = domains.filter((d) => named.has(d.spec.name));
  return Object.fromEntries((vars.length ? vars : domains).map((d) => [d.spec.name, result.pins.find((p) => p.name === d.spec.name)?.version ?? null]));
}

/**
 * The requirement lines handed to pip: the solver's pins, and what else the env asked for kept as it
 * is (a planned env: its other lines; an installed env: the distributions nothing else requires, at
 * their installed version); the variables left out are uninstalled.
 */
export function requestFor(
  snapshot: EnvSnapshot, solved: SolveSuccess, released: ReadonlySet<string> = new Set(),
): { requested: string[]; removals: string[]; changes: PinChange[] } {
  const chosen = new Map(solved.pins.map((p) => [p.name, p]));
  const changes: PinChange[] = [];
  const removals: string[] = [];
  const lines: string[] = [];
  for (const p of solved.pins) {
    const was = snapshot.distributions[p.name]?.version ?? null;
    if (was !== p.version) changes.push({ name: p.name, from: was, to: p.version });
    lines.push(`${p.name}${p.extras.length ? `[${p.extras.join(',')}]` : ''}==${p.version}`);
  }
  const variablesLeftOut = (name: string) => !chosen.has(name) && solvedNames(solved).has(name);
  for (const d of Object.values(snapshot.distributions)) {
    if (chosen.has(d.name)) continue;
    if (variablesLeftOut(d.name)) {
      removals.push(d.name);
      changes.push({ name: d.name, from: d.version, to: null });
      continue;
    }
    if (snapshot.planned || isRoot(snapshot, d.name)) lines.push(released.has(d.name) ? d.name : `${d.name}==${d.version}`);
  }
  for (const u of snapshot.unpinned ?? []) if (!chosen.has(normalizeName(u.name))) lines.push(`${u.name}${u.specifier}`);
  return { requested: lines.sort(), removals: removals.sort(), changes: changes.sort((a, b) => a.name.localeCompare(b.name, 'en')) };
}

const CAUSE_NAME = /(?:^|;\s*)([A-Za-z0-9][A-Za-z0-9._-]*) \S+ depends on/g;

/** Names in pip's conflict causes ("onnxscript 0.7.2 depends on ml_dtypes") that are requested at an exact installed version. */
function keptRootsNamed(causes: string[], requested: string[]): string[] {
  const named = new Set([...causes.join('; ').matchAll(CAUSE_NAME)].map((m) => normalizeName(m[1]!)));
  return requested.map((r) => r.split('==')).filter(([n, v]) => v !== undefined && named.has(normalizeName(n!))).map(([n]) => normalizeName(n!));
}

/** Every variable the solver saw (chosen or left out). */
function solvedNames(solved: SolveSuccess): Set<string> {
  return new Set([...solved.pins.map((p) => p.name), ...(solved.absent ?? [])]);
}

const TOOLING = new Set(['pip', 'setuptools', 'wheel']);
const REQ_NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/** An installed distribution no other installed one requires (outside extras): what the user installed. */
function isRoot(snapshot: EnvSnapshot, name: string): boolean {
  if (TOOLING.has(name)) return false;
  for (const d of Object.values(snapshot.distributions)) {
    if (d.name === name) continue;
    for (const r of d.requires) {
      if (/;.*\bextra\s*==/.test(r)) continue;
      const m = REQ_NAME.exec(r);
      if (m && normalizeName(m[1]!) === name) return false;
    }
  }
  return true;
}
