// The `fix` use case: the patch plan, check's advice, the pins (with the --write-* files) and, when asked,
// the patches applied with a before/after import and route table. Plain functions over typed data: what
// is shown goes to the caller as typed sections (in the order they are known, so text streams as before),
// and the whole run comes back as one FixReport. Wording lives in src/report/fix.ts; asking the user is
// the caller's (an injected callback).
import { basename } from 'node:path';
import { ROUTE_MODULES, deepProbe, type ImportOutcome } from '../env/deep-probe.js';
import type { EnvSnapshot } from '../env/types.js';
import { applyPatches, blockedPlans, hasInterruptedRun, type ApplyOutcome } from '../patch/apply.js';
import { loadCatalogue } from '../patch/catalogue.js';
import { planPatches } from '../patch/plan.js';
import type { AppliedPatch, RouteVerdict } from '../diagnose/types.js';
import { evaluate } from '../diagnose/evaluate.js';
import { loadExportGapPredictor } from '../diagnose/predictor.js';
import { loadMatrix } from '../matrix/load.js';
import { adviceFrom, type Advice } from '../patch/advice.js';
import { appliedPatches } from '../patch/status.js';
import type { Catalogue, PatchPlan } from '../patch/types.js';
import type { Matrix } from '../matrix/types.js';
import { UserError } from '../util/errors.js';
import { proposePins, type PinProposal } from './pins.js';
import { renderCondaEnv, renderConstraints, renderPlanFile, renderRequirements, writeFileAtomic } from './write.js';
import type { FixPlans } from './plans.js';
import { fixPlans } from './services.js';
import type { LockFormat } from '../lock/write.js';

/** What fix was asked to do (flags already validated as flags by the CLI). */
export interface FixRequest {
  applyPatches: boolean;
  only?: string[];
  dryRun: boolean;
  force: boolean;
  probe: boolean;
  writeRequirements?: string;
  writeConstraints?: string;
  writeCondaEnv?: string;
  /** false: the matrix-only pin proposal (--no-index). */
  index: boolean;
  offline: boolean;
  /** --plan as given (checked here, where the plans are known). */
  plan: string | undefined;
  /** The command line, recorded in the --write-* files. */
  command: string;
  /** Report the lock solver's rounds as progress. */
  solverRounds: boolean;
}

/** fix's pins: the refereed plans, or the matrix-only proposal (--no-index), with the --write-* files' outcomes. */
export type PinsOutcome = { ok: boolean; written: Record<string, string> } & (
  | { kind: 'plans'; plans: FixPlans }
  | { kind: 'matrix'; proposal: PinProposal }
);

/** A piece of fix's result, known in this order; the human reporter prints each as it comes. */
export type FixSection =
  | { kind: 'header'; description: string }
  | { kind: 'patch-plan'; plans: PatchPlan[]; description: string }
  | { kind: 'advice'; advice: Advice[] }
  | { kind: 'pins'; proposal: PinProposal }
  | { kind: 'plans'; plans: FixPlans }
  | { kind: 'apply-hint' }
  | { kind: 'nothing-to-do' }
  | { kind: 'declined' }
  | { kind: 'applied'; outcome: ApplyOutcome }
  | { kind: 'imports'; before: Record<string, ImportOutcome>; after: Record<string, ImportOutcome> }
  | { kind: 'routes'; before: RouteVerdict[]; after: RouteVerdict[] };

/** What fix is doing while it works (stderr). */
export type FixProgress =
  | { kind: 'matrix-unusable'; reason: string }
  | { kind: 'probe-before'; modules: string[] }
  | { kind: 'probe-after' }
  | { kind: 'file'; file: string; outcome: string }
  | { kind: 'solver'; message: string };

export interface FixHooks {
  show(section: FixSection): void;
  progress(event: FixProgress): void;
  /** Asked before the env changes (patches to apply, or an interrupted run to roll back); false declines. */
  confirm(request: { pending: number; description: string }): Promise<boolean>;
}

/** The whole run: what the JSON reporter prints and the exit code is chosen from. */
export type FixReport =
  | { kind: 'planned'; description: string; advice: Advice[]; pins: PinsOutcome | null }
  | { kind: 'dry-run'; description: string; plans: PatchPlan[]; blocked: number; advice: Advice[] | null; pins: PinsOutcome | null }
  | { kind: 'nothing-to-do'; description: string; plans: PatchPlan[]; advice: Advice[] | null; pins: PinsOutcome | null }
  | { kind: 'declined'; description: string }
  | {
    kind: 'applied'; description: string; outcome: ApplyOutcome; advice: Advice[] | null; pins: PinsOutcome | null;
    imports: { before: Record<string, ImportOutcome>; after: Record<string, ImportOutcome> } | null;
    routes: { before: RouteVerdict[]; after: RouteVerdict[] } | null;
  };

/** `fix` on an installed env: the patch plan, the advice and the pins; with applyPatches (not dryRun), the patches applied. */
export async function runInstalledFix(snapshot: EnvSnapshot, description: string, req: FixRequest, hooks: FixHooks): Promise<FixReport> {
  const catalogue = await loadCatalogue();
  const plans = await planPatches(catalogue, snapshot, { ...(req.only ? { only: req.only } : {}), force: req.force });
  const blocked = blockedPlans(plans);
  const pending = plans.filter((p) => p.decision === 'apply');
  hooks.show({ kind: 'patch-plan', plans, description });
  const matrix = await usableMatrix(hooks);
  const advice = matrix instanceof UserError ? null : await checkAdvice(matrix, catalogue, snapshot, plans);
  if (advice) hooks.show({ kind: 'advice', advice });
  const pins = await pinsFor(snapshot, req, hooks, matrix, await appliedPatches(snapshot, catalogue));

  if (!req.applyPatches || req.dryRun) {
    if (!req.applyPatches && pending.length) hooks.show({ kind: 'apply-hint' });
    return { kind: 'dry-run', description, plans, blocked: blocked.length, advice, pins };
  }
  // a run a crash interrupted is rolled back by the engine (under the lock) before it decides again
  const interrupted = await hasInterruptedRun(snapshot.prefix);
  if (blocked.length === 0 && pending.length === 0 && !interrupted) {
    hooks.show({ kind: 'nothing-to-do' });
    return { kind: 'nothing-to-do', description, plans, advice, pins };
  }
  if (blocked.length === 0 && !(await hooks.confirm({ pending: pending.length, description }))) {
    hooks.show({ kind: 'declined' });
    return { kind: 'declined', description };
  }
  const modules = req.probe ? probeModules(snapshot) : [];
  let before: Record<string, ImportOutcome> = {};
  if (modules.length && blocked.length === 0) {
    hooks.progress({ kind: 'probe-before', modules });
    before = await deepProbe(snapshot.python.executable, modules);
  }
  const routesBefore = modules.length && advice && !(matrix instanceof UserError) ? await routeVerdicts(matrix, catalogue, snapshot, before) : null;
  const outcome = await applyPatches(catalogue, snapshot, { ...(req.only ? { only: req.only } : {}), force: req.force });
  hooks.show({ kind: 'applied', outcome });
  let after: Record<string, ImportOutcome> = {};
  if (modules.length) {
    hooks.progress({ kind: 'probe-after' });
    after = await deepProbe(snapshot.python.executable, modules);
    hooks.show({ kind: 'imports', before, after });
  }
  const routesAfter = routesBefore && !(matrix instanceof UserError) ? await routeVerdicts(matrix, catalogue, snapshot, after) : null;
  const routes = routesBefore && routesAfter ? { before: routesBefore, after: routesAfter } : null;
  if (routes) hooks.show({ kind: 'routes', ...routes });
  return { kind: 'applied', description, outcome, advice, pins, imports: modules.length ? { before, after } : null, routes };
}

/** `fix --requirements`: a planned env has no files to patch: check's advice and the pins only. */
export async function runPlannedFix(snapshot: EnvSnapshot, description: string, req: FixRequest, hooks: FixHooks): Promise<FixReport> {
  const matrix = await loadMatrix();
  const diagnosis = evaluate(matrix, snapshot, { predictExportGaps: await loadExportGapPredictor() });
  const advice = adviceFrom(diagnosis.findings, []);
  hooks.show({ kind: 'header', description });
  hooks.show({ kind: 'advice', advice });
  const pins = await pinsFor(snapshot, req, hooks, matrix);
  return { kind: 'planned', description, advice, pins };
}

/** Whether the run ends with findings (exit 1): blocked patches asked for, or pins that failed. */
export function fixHasFindings(report: FixReport, req: Pick<FixRequest, 'applyPatches'>): boolean {
  switch (report.kind) {
    case 'planned': return report.pins !== null && !report.pins.ok;
    case 'dry-run': return (req.applyPatches && report.blocked > 0) || (report.pins !== null && !report.pins.ok);
    case 'declined': return true;
    default: return false;
  }
}

/** Route modules whose top-level package is installed (the others fail trivially and slowly tell nothing). */
function probeModules(snapshot: EnvSnapshot): string[] {
  const installed = new Set(Object.values(snapshot.distributions).flatMap((d) => d.importPackages));
  return ROUTE_MODULES.filter((m) => installed.has(m.split('.')[0]!));
}

/** The matrix, loaded once for the whole command; when it cannot be used, why (said once, as a note). */
async function usableMatrix(hooks: FixHooks): Promise<Matrix | UserError> {
  try {
    return await loadMatrix();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    hooks.progress({ kind: 'matrix-unusable', reason: err.message });
    return err;
  }
}

/** check's findings for this env turned into fixes. */
async function checkAdvice(matrix: Matrix, catalogue: Catalogue, snapshot: EnvSnapshot, plans: PatchPlan[]): Promise<Advice[]> {
  const diagnosis = evaluate(matrix, snapshot, {
    appliedPatches: await appliedPatches(snapshot, catalogue),
    predictExportGaps: await loadExportGapPredictor(),
  });
  return adviceFrom(diagnosis.findings, plans);
}

/** check's route verdicts for the env as it is now (applied patches and the given import outcomes). */
async function routeVerdicts(matrix: Matrix, catalogue: Catalogue, snapshot: EnvSnapshot, deep: Record<string, ImportOutcome>): Promise<RouteVerdict[]> {
  const diagnosis = evaluate(matrix, snapshot, {
    deep,
    appliedPatches: await appliedPatches(snapshot, catalogue),
    predictExportGaps: await loadExportGapPredictor(),
  });
  return diagnosis.routes;
}

/** The pins, shown, and the --write-* files; null when the matrix cannot be used (already noted). */
async function pinsFor(
  snapshot: EnvSnapshot, req: FixRequest, hooks: FixHooks, matrix: Matrix | UserError, applied: AppliedPatch[] = [],
): Promise<PinsOutcome | null> {
  if (matrix instanceof UserError) {
    if (req.writeRequirements || req.writeConstraints || req.writeCondaEnv) throw matrix;
    return null;
  }
  const planIndex = Number(req.plan ?? '1');
  if (!Number.isInteger(planIndex) || planIndex < 1) throw new UserError(`--plan ${JSON.stringify(req.plan)} is not a plan number`, 'give 1 for the first plan listed, 2 for the second');
  const ctx = { command: req.command };
  const outputs: [string | undefined, LockFormat][] = [[req.writeRequirements, 'requirements'], [req.writeConstraints, 'constraints'], [req.writeCondaEnv, 'conda']];
  const written: Record<string, string> = {};
  const write = async (file: string, text: string) => {
    const outcome = await writeFileAtomic(file, text);
    written[file] = outcome;
    hooks.progress({ kind: 'file', file, outcome });
  };
  if (!req.index) {
    const proposal = proposePins(matrix, snapshot, await loadExportGapPredictor(), { appliedPatches: applied });
    hooks.show({ kind: 'pins', proposal });
    const render: Record<LockFormat, () => string> = {
      requirements: () => renderRequirements(matrix, snapshot, proposal, ctx),
      constraints: () => renderConstraints(matrix, snapshot, proposal, ctx),
      conda: () => renderCondaEnv(matrix, snapshot, proposal, { ...ctx, name: condaName(snapshot) }),
    };
    for (const [file, format] of outputs) if (file !== undefined) await write(file, render[format]());
    return { kind: 'matrix', proposal, ok: proposal.verified, written };
  }
  const plans = await fixPlans(snapshot, matrix, { offline: req.offline, ...(req.solverRounds ? { progress: (message: string) => hooks.progress({ kind: 'solver', message }) } : {}) });
  const chosen = plans.plans[planIndex - 1];
  if (outputs.some(([f]) => f !== undefined)) {
    if (!chosen) throw new UserError(plans.plans.length ? `--plan ${planIndex}: there are ${plans.plans.length} plan(s)` : 'no plan to write: no pin makes the env work (see why above)');
    for (const [file, format] of outputs) if (file !== undefined) await write(file, renderPlanFile(chosen, planIndex, format, { ...ctx, name: condaName(snapshot) }));
  }
  hooks.show({ kind: 'plans', plans });
  return { kind: 'plans', plans, ok: plans.plans.length > 0 || plans.none.length === 0, written };
}

/** environment.yml's name: the conda env's own, else a fixed one. */
function condaName(snapshot: EnvSnapshot): string {
  return snapshot.kind === 'conda' && snapshot.prefix ? `${basename(snapshot.prefix)}-fixed` : 'tfdoctor-fixed';
}
