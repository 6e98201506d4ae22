// `lock` as a use case: route + target (+ user pins) -> the solver's pins -> pip's resolver (the
// referee) -> the closure judged by the matrix -> a plan, or an explanation of why none exists.
// When pip's closure trips a rule (it pulled numpy 2, keras 3, a second TensorFlow), the rule becomes
// a constraint (or the choice a nogood) and the round repeats.
import { parseRequirement } from '../env/requirements.js';
import { normalizeName } from '../env/names.js';
import type { Finding } from '../diagnose/types.js';
import type { Matrix } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { buildDomain, type ReleaseFilter } from './domain.js';
import { explainFailure, type Alternative, type Explanation, type ExplainFact } from './explain.js';
import { solve, plannedSnapshot, type Domain, type SolveInput, type SolveSuccess } from './solve.js';
import { LOCK_ROUTES, type LockRouteId, type LockRouteSpec } from './spec.js';
import type { IndexFacts, RefereeOutcome, ResolvedPackage, Target } from './types.js';

export interface LockRequest {
  route: LockRouteId;
  target: Target;
  /** user requirements (--with), PEP 508 */
  with: string[];
  allowPatches: boolean;
}

/** The services the use case needs; the CLI wires the real ones, tests may wire real ones differently. */
export interface LockDeps {
  matrix: Matrix;
  specs: LockRouteSpec[];
  facts: IndexFacts;
  filter: ReleaseFilter;
  evaluate: (matrix: Matrix, snapshot: import('../env/types.js').EnvSnapshot, patches: string[], onlyCodes?: ReadonlySet<string>) => Finding[];
  patches: SolveInput['patches'];
  /** pip's resolver on requirement lines + constraint lines for the target */
  referee: (requirements: string[], constraints: string[]) => Promise<RefereeOutcome>;
  progress?: (message: string) => void;
  maxRounds?: number;
}

export interface PlanStep {
  kind: 'patch' | 'export' | 'convert';
  /** patch id, or the call to make */
  text: string;
  /** rule codes it clears */
  clears: string[];
}

export interface Plan {
  route: LockRouteId;
  target: Target;
  /** the solver's pins plus the user's requirements: what was handed to pip */
  requested: string[];
  /** constraints the rounds added from matrix rules */
  constraints: { requirement: string; rule: string }[];
  /** pip's closure, sorted by name */
  closure: ResolvedPackage[];
  steps: PlanStep[];
  warnings: Finding[];
  rounds: number;
  referee: { pipVersion: string; command: string[]; seconds: number };
  solverNodes: number;
}

export type LockOutcome =
  | { kind: 'solved'; plan: Plan }
  | { kind: 'no-solution'; explanation: Explanation }
  /** the plan is compatible, but this index cannot deliver a file of it */
  | { kind: 'index-lacks-file'; requested: string[]; url: string; detail: string }
  | { kind: 'referee-failed'; outcome: RefereeOutcome };

const TORCH_EXPORT_DEFAULT = 'torch.onnx.export(model, args, "model.onnx", input_names=["input"], output_names=["output"])';

/** Parses --with values; a malformed one is a usage error naming it. */
export function parseWith(values: string[]): { name: string; specifier: string; text: string }[] {
  return values.map((text) => {
    try {
      const r = parseRequirement(text);
      if (r.url) throw new Error('a URL requirement');
      return { name: normalizeName(r.name), specifier: r.specifier, text: text.trim() };
    } catch (err) {
      throw new UserError(`--with ${JSON.stringify(text)} is not a requirement (${(err as Error).message})`, 'write it as pip does, e.g. --with "torch==2.13.0"');
    }
  });
}

export async function buildDomains(req: LockRequest, spec: LockRouteSpec, deps: Pick<LockDeps, 'facts' | 'filter'>): Promise<Domain[]> {
  const withs = parseWith(req.with);
  const byName = new Map(withs.map((w) => [w.name, w]));
  const packages = [...spec.packages];
  for (const w of withs) {
    if (!packages.some((p) => p.name === w.name)) packages.push({ name: w.name, optional: false, extras: [] });
  }
  const domains = await Promise.all(packages.map((p) => {
    const w = byName.get(p.name);
    return buildDomain(p, deps.facts, req.target, { filter: deps.filter, ...(w ? { fixed: w.specifier, fixedBy: w.text } : {}) });
  }));
  // the search starts with the newest releases: read their metadata in parallel, not one by one
  await Promise.all(domains.flatMap((d) => d.candidates.slice(0, 2).map((c) => c.load?.())));
  return domains;
}

function solverInput(req: LockRequest, spec: LockRouteSpec, domains: Domain[], deps: LockDeps, nogoods: Record<string, string | null>[]): SolveInput {
  return {
    route: spec, target: req.target, domains, matrix: deps.matrix, patches: deps.patches, allowPatches: req.allowPatches, nogoods,
    evaluate: (snapshot, patches, onlyCodes) => deps.evaluate(deps.matrix, snapshot, patches, onlyCodes),
  };
}

export async function lock(req: LockRequest, deps: LockDeps): Promise<LockOutcome> {
  const spec = deps.specs.find((s) => s.route === req.route);
  if (!spec) throw new UserError(`unknown route ${JSON.stringify(req.route)}`, `routes: ${LOCK_ROUTES.join(', ')}`);
  const log = deps.progress ?? (() => {});
  log(`reading the index for ${spec.packages.map((p) => p.name).join(', ')}`);
  const domains = await buildDomains(req, spec, deps);
  const nogoods: Record<string, string | null>[] = [];
  const constraints: { requirement: string; rule: string }[] = [];
  const pipFacts: ExplainFact[] = [];
  const maxRounds = deps.maxRounds ?? 6;
  let nodes = 0;
  for (let round = 1; round <= maxRounds; round++) {
    const result = await solve(solverInput(req, spec, domains, deps, nogoods));
    nodes += result.nodes;
    if (!result.ok) {
      const explanation = explainFailure(result, spec, req.target, domains, deps.matrix, pipFacts);
      explanation.alternatives = await alternatives(req, deps);
      return { kind: 'no-solution', explanation };
    }
    const requested = requestedLines(result, req);
    log(`round ${round}: pip resolves ${requested.join(' ')}${constraints.length ? ` with ${constraints.map((c) => c.requirement).join(', ')}` : ''}`);
    const outcome = await deps.referee(requested, constraints.map((c) => c.requirement));
    if (outcome.kind === 'index-error' && outcome.missingFiles?.length) {
      return { kind: 'index-lacks-file', requested, url: outcome.missingFiles[0]!, detail: outcome.detail };
    }
    if (outcome.kind === 'timeout' || outcome.kind === 'index-error' || outcome.kind === 'pip-error') return { kind: 'referee-failed', outcome };
    if (outcome.kind !== 'resolved') {
      // pip sees a conflict below the solver's variables: turn this choice down and search on
      pipFacts.push({ kind: 'pip', detail: outcome.kind === 'conflict' ? outcome.causes.join('; ') : `no distribution for ${outcome.requirement}` });
      nogoods.push(Object.fromEntries(result.pins.map((p) => [p.name, p.version])));
      continue;
    }
    const closure = [...outcome.packages].sort((a, b) => a.name.localeCompare(b.name));
    const judged = judgeClosure(closure, req, spec, result, deps);
    if (judged.length === 0) {
      return {
        kind: 'solved',
        plan: {
          route: req.route, target: req.target, requested, constraints, closure,
          steps: planSteps(spec, result, deps.matrix),
          warnings: result.warnings, rounds: round,
          referee: { pipVersion: outcome.pipVersion, command: outcome.command, seconds: outcome.seconds },
          solverNodes: nodes,
        },
      };
    }
    let added = false;
    for (const f of judged) {
      const dep = f.args?.dependency;
      const range = f.args?.requires;
      if (dep && range && !constraints.some((c) => c.requirement === `${dep}${range}`)) {
        constraints.push({ requirement: `${dep}${range}`, rule: f.code });
        added = true;
      }
    }
    if (!added) nogoods.push(Object.fromEntries(result.pins.map((p) => [p.name, p.version])));
  }
  const explanation: Explanation = {
    route: req.route, target: req.target, budgetExhausted: true, nodes, alternatives: await alternatives(req, deps),
    facts: [...pipFacts, { kind: 'pip', detail: `no plan survived ${maxRounds} rounds of pip's resolver` }],
  };
  return { kind: 'no-solution', explanation };
}

/** Errors the matrix finds in pip's closure that the plan's patches and export call do not clear. */
function judgeClosure(closure: ResolvedPackage[], req: LockRequest, spec: LockRouteSpec, solved: SolveSuccess, deps: LockDeps): Finding[] {
  const picks = new Map(closure.map((p) => [p.name, { version: p.version, requiresDist: p.requiresDist, requiresPython: p.requiresPython }]));
  const findings = deps.evaluate(deps.matrix, plannedSnapshot(picks, req.target), solved.patches.map((p) => p.id));
  return findings.filter((f) => f.severity === 'error' && f.blocks.includes(spec.route) && !f.fixedByPatch
    && !f.fixes.some((x) => x.kind === 'export-option'));
}

function requestedLines(result: SolveSuccess, req: LockRequest): string[] {
  const withs = parseWith(req.with);
  const lines = result.pins
    .filter((p) => !withs.some((w) => w.name === p.name))
    .map((p) => `${p.name}${p.extras.length ? `[${p.extras.join(',')}]` : ''}==${p.version}`);
  return [...lines, ...withs.map((w) => w.text)];
}

function planSteps(spec: LockRouteSpec, result: SolveSuccess, matrix: Matrix): PlanStep[] {
  const steps: PlanStep[] = result.patches.map((p) => ({ kind: 'patch', text: p.id, clears: p.fixes }));
  if (spec.route !== 'litert-torch') steps.push(exportStep(spec, result, matrix));
  steps.push({ kind: 'convert', text: spec.convert, clears: [] });
  return steps;
}

/** The export call: a finding's export-option fix, or torch's default call with named inputs. */
function exportStep(spec: LockRouteSpec, result: SolveSuccess, matrix: Matrix): PlanStep {
  for (const f of result.exportSteps) {
    const fix = f.fixes.find((x) => x.kind === 'export-option');
    if (fix) return { kind: 'export', text: fix.command, clears: [f.code] };
  }
  // with no torch in the plan its default export is unknown: onnx-tf without the opset-18 patch gets the
  // export call that only emits op versions it has handlers for
  const gapRule = matrix.rules.find((r) => r.code === 'ONNX_TF_OP_VERSION_GAP');
  const gapFix = gapRule?.fixes.find((x) => x.kind === 'export-option');
  if (spec.route === 'onnx-tf' && gapRule && gapFix && !result.pins.some((p) => p.name === 'torch')
    && !result.patches.some((p) => p.id === 'onnx-tf-reduce-opset18')) {
    return { kind: 'export', text: gapFix.command, clears: [gapRule.code] };
  }
  return { kind: 'export', text: TORCH_EXPORT_DEFAULT, clears: [] };
}

/** Nearest targets that solve: the same route on other Pythons, then other routes on this Python. */
async function alternatives(req: LockRequest, deps: LockDeps): Promise<Alternative[]> {
  const out: Alternative[] = [];
  const pythons = ['3.9', '3.10', '3.11', '3.12', '3.13'];
  const here = req.target.python.split('.').slice(0, 2).join('.');
  const tries: { route: LockRouteId; python: string }[] = [
    ...pythons.filter((p) => p !== here)
      .sort((a, b) => Math.abs(minor(a) - minor(here)) - Math.abs(minor(b) - minor(here)) || minor(b) - minor(a))
      .map((python) => ({ route: req.route, python })),
    ...LOCK_ROUTES.filter((r) => r !== req.route).map((route) => ({ route, python: here })),
  ];
  // at most two other Pythons for this route, then every other route that solves here
  let sameRoute = 0;
  for (const t of tries) {
    if (t.route === req.route && sameRoute >= 2) continue;
    const spec = deps.specs.find((s) => s.route === t.route)!;
    const sub: LockRequest = { ...req, route: t.route, target: { ...req.target, python: t.python } };
    try {
      const domains = await buildDomains(sub, spec, deps);
      const r = await solve({ ...solverInput(sub, spec, domains, deps, []), maxNodes: 5_000 });
      if (r.ok) {
        out.push({ route: t.route, python: t.python, pins: requestedLines(r, sub) });
        if (t.route === req.route) sameRoute++;
      }
    } catch {
      // an alternative that cannot be judged is left out
    }
  }
  return out;
}

function minor(python: string): number {
  return Number(python.split('.')[1] ?? 0);
}
