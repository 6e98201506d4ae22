// `lock` as a use case: route + target (+ user pins) -> the solver's pins -> pip's resolver (the
// referee) -> the closure judged by the matrix -> a plan, or an explanation of why none exists.
// When pip's closure trips a rule (it pulled numpy 2, keras 3, a second TensorFlow), the rule becomes
// a constraint (or the choice a nogood) and the round repeats.
import type { Finding } from '../diagnose/types.js';
import type { Matrix } from '../matrix/types.js';
import { satisfies } from '../matrix/pep440.js';
import { checkModel, MODEL_OP_GAP, type HandlerPatch, type ModelCheck, type ModelOps, type ModelSpec } from '../model/index.js';
import { UserError } from '../util/errors.js';
import { buildDomain, type DomainOptions, type ReleaseFilter } from './domain.js';
import { explainFailure, type Alternative, type Explanation } from './explain.js';
import { refereeRounds } from './rounds.js';
import { solve, type Domain, type SolveInput, type SolveSuccess } from './solve.js';
import { exportCallAt, LOCK_ROUTES, type LockExportSpec, type LockPackageSpec, type LockRouteId, type LockRouteSpec } from './spec.js';
import type { IndexFacts, RefereeOutcome, ResolvedPackage, Target, WithRequirement } from './types.js';

export interface LockRequest {
  route: LockRouteId;
  target: Target;
  /** user requirements (--with), parsed by the CLI */
  with: WithRequirement[];
  allowPatches: boolean;
  /** --model: the model's ops and inputs decide the plan's export and op-version patch steps */
  model?: ModelOps;
}

/** The services the use case needs; the CLI wires the real ones, tests may wire real ones differently. */
export interface LockDeps {
  matrix: Matrix;
  specs: LockRouteSpec[];
  facts: IndexFacts;
  filter: ReleaseFilter;
  evaluate: (matrix: Matrix, snapshot: import('../env/types.js').EnvSnapshot, patches: string[], onlyCodes?: ReadonlySet<string>) => Finding[];
  /** catalogue patches; addsHandlers (onnx-tf handler versions a patch adds) lets --model plan them */
  patches: (SolveInput['patches'][number] & { addsHandlers?: Record<string, number[]> })[];
  /** matrix/model.yaml, needed with --model */
  modelSpec?: ModelSpec;
  /** pip's resolver on requirement lines + constraint lines for the target */
  referee: (requirements: string[], constraints: string[]) => Promise<RefereeOutcome>;
  progress?: (message: string) => void;
  maxRounds?: number;
}

export interface PlanStep {
  kind: 'patch' | 'export' | 'convert';
  /** patch id, or the call to make */
  text: string;
  /** rule codes it clears (MODEL_OP_GAP and model facts included) */
  clears: string[];
  /** an export at a chosen opset: the opset */
  opset?: number;
  /** ops that do not exist at that opset: the exporter writes them with other ops, which were not judged */
  decomposes?: string[];
}

/** What --model found for the plan's route, after the plan's patches. */
export interface PlanModel {
  check: ModelCheck;
  /** the route cannot take this model: a gap no patch or export opset closes, or a fact no step clears */
  blocked: boolean;
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
  /** with --model */
  model?: PlanModel;
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

export async function buildDomains(req: LockRequest, spec: LockRouteSpec, deps: Pick<LockDeps, 'facts' | 'filter'>): Promise<Domain[]> {
  const byName = new Map(req.with.map((w) => [w.name, w]));
  const packages = [...spec.packages];
  for (const w of req.with) {
    if (!packages.some((p) => p.name === w.name)) packages.push({ name: w.name, optional: false, extras: [] });
  }
  return variableDomains(packages, req.target, deps, (p) => {
    const w = byName.get(p.name);
    return w ? { fixed: w.specifier, fixedBy: w.text } : {};
  });
}

/**
 * The solver's domains for these variables, each with its options (a --with pin; fix's installed version
 * first and when leaving it out is tried); the first candidates' metadata is read in parallel.
 */
export async function variableDomains(
  packages: LockPackageSpec[], target: Target, deps: Pick<LockDeps, 'facts' | 'filter'>,
  options: (p: LockPackageSpec) => Omit<DomainOptions, 'filter'>,
): Promise<Domain[]> {
  const domains = await Promise.all(packages.map((p) => buildDomain(p, deps.facts, target, { filter: deps.filter, ...options(p) })));
  // the search starts with the newest (or preferred) releases: read their metadata in parallel, not one by one
  await Promise.all(domains.flatMap((d) => d.candidates.slice(0, 2).map((c) => c.load?.())));
  return domains;
}

function solverInput(req: LockRequest, spec: LockRouteSpec, domains: Domain[], deps: LockDeps): SolveInput {
  return {
    route: spec, target: req.target, domains, matrix: deps.matrix, patches: deps.patches, allowPatches: req.allowPatches,
    evaluate: (snapshot, patches, onlyCodes) => deps.evaluate(deps.matrix, snapshot, patches, onlyCodes),
  };
}

export async function lock(req: LockRequest, deps: LockDeps): Promise<LockOutcome> {
  const spec = deps.specs.find((s) => s.route === req.route);
  if (!spec) throw new UserError(`unknown route ${JSON.stringify(req.route)}`, `routes: ${LOCK_ROUTES.join(', ')}`);
  checkExportSpec(spec, deps);
  if (req.model && !deps.modelSpec) throw new Error('lock --model needs matrix/model.yaml (deps.modelSpec)');
  const log = deps.progress ?? (() => {});
  log(`reading the index for ${spec.packages.map((p) => p.name).join(', ')}`);
  const domains = await buildDomains(req, spec, deps);
  const r = await refereeRounds({
    solve: solverInput(req, spec, domains, deps), referee: deps.referee, request: (result) => requestedLines(result, req),
    ...(deps.maxRounds ? { maxRounds: deps.maxRounds } : {}), progress: log,
  });
  switch (r.kind) {
    case 'unsolved': {
      const explanation = explainFailure(r.result, spec, req.target, domains, deps.matrix, r.pipFacts);
      explanation.alternatives = await alternatives(req, deps);
      return { kind: 'no-solution', explanation };
    }
    case 'index-lacks-file': return { kind: 'index-lacks-file', requested: r.requested, url: r.url, detail: r.detail };
    case 'referee-failed': return { kind: 'referee-failed', outcome: r.outcome };
    case 'exhausted': {
      const explanation: Explanation = {
        route: req.route, target: req.target, budgetExhausted: true, nodes: r.nodes, alternatives: await alternatives(req, deps),
        facts: [...r.pipFacts, { kind: 'pip', detail: `no plan survived ${r.maxRounds} rounds of pip's resolver` }],
      };
      return { kind: 'no-solution', explanation };
    }
    case 'resolved': {
      const { steps, model } = await planSteps(req, spec, r.result, r.closure, deps);
      return {
        kind: 'solved',
        plan: {
          route: req.route, target: req.target, requested: r.requested, constraints: r.constraints, closure: r.closure, steps,
          ...(model ? { model } : {}),
          warnings: r.result.warnings, rounds: r.rounds, referee: r.referee, solverNodes: r.nodes,
        },
      };
    }
  }
}

function requestedLines(result: SolveSuccess, req: LockRequest): string[] {
  const lines = result.pins
    .filter((p) => !req.with.some((w) => w.name === p.name))
    .map((p) => `${p.name}${p.extras.length ? `[${p.extras.join(',')}]` : ''}==${p.version}`);
  return [...lines, ...req.with.map((w) => w.text)];
}

/** lock.yaml's export gaps name rules and patches: both must exist (a typo would silently drop a step). */
function checkExportSpec(spec: LockRouteSpec, deps: LockDeps): void {
  for (const g of spec.export?.gaps ?? []) {
    if (!deps.matrix.rules.some((r) => r.code === g.rule)) throw new UserError(`matrix/lock.yaml: route ${spec.route}: export gap rule ${g.rule} is not in rules.yaml`);
    if (g.patch && !deps.patches.some((p) => p.id === g.patch)) throw new UserError(`matrix/lock.yaml: route ${spec.route}: export gap patch ${g.patch} is not in the patch catalogue`);
  }
}

/** The plan's non-pin steps for a solved closure. Exported for tests. */
export async function planSteps(
  req: LockRequest, spec: LockRouteSpec, result: SolveSuccess, closure: ResolvedPackage[], deps: LockDeps,
): Promise<{ steps: PlanStep[]; model?: PlanModel }> {
  let patches = result.patches;
  let exportStep = spec.export ? defaultExportStep(spec.export, result) : null;
  let model: PlanModel | undefined;
  if (req.model && deps.modelSpec) {
    const m = await modelSteps(req, req.model, deps.modelSpec, spec, result, closure, deps);
    patches = m.patches;
    if (m.exportStep) exportStep = m.exportStep;
    model = m.model;
  }
  const steps: PlanStep[] = patches.map((p) => ({ kind: 'patch', text: p.id, clears: p.fixes }));
  if (exportStep) steps.push(exportStep);
  steps.push({ kind: 'convert', text: spec.convert, clears: [] });
  return { steps, ...(model ? { model } : {}) };
}

/** Without a model: a finding's export-option fix, lock.yaml's opset for an unpatched gap, or the plain call. */
function defaultExportStep(exp: LockExportSpec, result: SolveSuccess): PlanStep {
  for (const f of result.exportSteps) {
    const fix = f.fixes.find((x) => x.kind === 'export-option');
    if (fix) return { kind: 'export', text: fix.command, clears: [f.code] };
  }
  // with no torch in the plan its default export is unknown: a gap's opset, unless its patch is planned
  const torchPinned = result.pins.some((p) => p.name === 'torch');
  for (const g of exp.gaps) {
    if (g.opset === undefined || torchPinned || (g.patch && result.patches.some((p) => p.id === g.patch))) continue;
    return { kind: 'export', text: exportCallAt(exp, g.opset)!, clears: [g.rule], opset: g.opset };
  }
  return { kind: 'export', text: exp.call, clears: [] };
}

/**
 * With --model, the model's own ops decide the op-version steps (not the prediction from torch's default
 * export): the patches that close its gaps when the plan may patch, else a re-export at the highest opset
 * that closes them all; the export call also answers the model facts lock.yaml says it clears.
 */
async function modelSteps(
  req: LockRequest, model: ModelOps, modelSpec: ModelSpec, spec: LockRouteSpec, result: SolveSuccess, closure: ResolvedPackage[], deps: LockDeps,
): Promise<{ patches: SolveSuccess['patches']; exportStep: PlanStep | null; model: PlanModel }> {
  const exp = spec.export;
  const gapRules = new Set(exp?.gaps.map((g) => g.rule) ?? []);
  const version = (name: string) => closure.find((p) => p.name === name)?.version ?? null;
  // patches planned only for a predicted op-version gap wait for the model's verdict
  const kept = result.patches.filter((p) => !p.fixes.every((c) => gapRules.has(c)));
  const handlerPatches: (HandlerPatch & { distribution: string; versions: string })[] = deps.patches
    .filter((p) => p.addsHandlers && Object.keys(p.addsHandlers).length > 0)
    .map((p) => ({ id: p.id, distribution: p.distribution, versions: p.versions, addsHandlers: p.addsHandlers! }));
  const applicable = req.allowPatches ? handlerPatches.filter((p) => { const v = version(p.distribution); return v !== null && satisfies(v, p.versions); }) : [];
  const judge = (ids: string[]) => checkModel(model, modelSpec, {
    routes: [spec.route], onnxTf: version('onnx-tf'), onnx: version('onnx'),
    patches: applicable.filter((p) => ids.includes(p.id)), candidates: applicable,
  });
  const keptIds = kept.map((p) => p.id);
  const bare = await judge(keptIds);
  let check = bare;
  let added: string[] = [];
  const cov0 = bare.routes[0]!;
  if (cov0.status === 'gap') {
    added = [...new Set(cov0.gaps.flatMap((g) => g.closedBy.patches.slice(0, 1)))];
    if (added.length) {
      const patched = await judge([...keptIds, ...added]);
      // patches that leave a gap only an older opset closes are not worth applying: the re-export alone decides
      if (patched.routes[0]!.status === 'covered' || (cov0.closingOpset ?? cov0.decomposedOpset) === null) check = patched;
      else added = [];
    }
  }
  const cov = check.routes[0]!;
  const predicted = [...result.exportSteps.map((f) => f.code), ...result.patches.filter((p) => !kept.includes(p)).flatMap((p) => p.fixes)]
    .filter((c) => gapRules.has(c));
  const facts = check.findings.map((f) => f.code);
  const cleared = exp ? facts.filter((c) => exp.clears.includes(c)) : [];
  const reExportAt = cov.status === 'gap' ? cov.closingOpset ?? cov.decomposedOpset : null;
  let exportStep: PlanStep | null = null;
  let blocked = facts.some((c) => !cleared.includes(c)) || (cov.status === 'gap' && reExportAt === null);
  if (exp) {
    const { min, torchscriptMax } = modelSpec.exportOpsets;
    // covered as it is: export at the model's own opset, which the TorchScript exporter can write
    const opset = cov.status === 'gap' ? reExportAt : (model.opset !== null && model.opset >= min && model.opset <= torchscriptMax ? model.opset : null);
    const at = opset !== null ? exportCallAt(exp, opset) : null;
    const clears = [...new Set([...(cov.status === 'gap' && at ? [MODEL_OP_GAP] : []), ...(at || cov.status === 'covered' ? predicted : []), ...cleared])];
    const decomposes = cov.status === 'gap' && cov.closingOpset === null && at ? cov.gaps.filter((g) => g.closedBy.opset === null).map((g) => g.op) : [];
    exportStep = at
      ? { kind: 'export', text: at, clears, opset: opset!, ...(decomposes.length ? { decomposes } : {}) }
      : { kind: 'export', text: exp.call, clears };
    if (cov.status === 'gap' && !at) blocked = true;
  } else if (cov.status === 'gap') {
    blocked = true;
  }
  const patches = [...kept, ...added.map((id) => ({ id, fixes: [MODEL_OP_GAP, ...predicted.filter((c) => deps.patches.find((p) => p.id === id)?.fixes.includes(c))] }))];
  return { patches, exportStep, model: { check, blocked } };
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
      const r = await solve({ ...solverInput(sub, spec, domains, deps), maxNodes: 5_000 });
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
