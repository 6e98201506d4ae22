import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ROUTE_MODULES, deepProbe, type ImportOutcome } from '../../env/deep-probe.js';
import type { EnvSnapshot } from '../../env/types.js';
import { applyPatches, blockedPlans, hasInterruptedRun } from '../../patch/apply.js';
import { loadCatalogue } from '../../patch/catalogue.js';
import { planPatches } from '../../patch/plan.js';
import { formatApplyOutcome, formatImportTable, formatPlan, formatRouteTable, planToJson } from '../../patch/report.js';
import type { AppliedPatch, RouteVerdict } from '../../diagnose/types.js';
import { evaluate } from '../../diagnose/evaluate.js';
import { loadExportGapPredictor } from '../../diagnose/predictor.js';
import { loadMatrix } from '../../matrix/load.js';
import { adviceFrom, formatAdvice, type Advice } from '../../patch/advice.js';
import { appliedPatches } from '../../patch/status.js';
import type { Catalogue, PatchPlan } from '../../patch/types.js';
import { ExitCode, UserError } from '../../util/errors.js';
import { withExitCode } from './patch.js';
import { addEnvFlags, envSelection, readSelectedEnv, type EnvFlags, type EnvSelection } from '../env-flags.js';
import { proposePins, type PinProposal } from '../../fix/pins.js';
import { fixPlansToJson, formatFixPlans, formatPins, pinsToJson } from '../../report/fix.js';
import { checkWritable, renderCondaEnv, renderConstraints, renderPlanFile, renderRequirements, writeFileAtomic } from '../../fix/write.js';
import type { FixPlans } from '../../fix/plans.js';
import { fixPlans } from '../../fix/services.js';
import type { LockFormat } from '../../lock/write.js';
import { Chalk } from 'chalk';
import type { Matrix } from '../../matrix/types.js';

interface FixFlags extends EnvFlags {
  applyPatches?: boolean;
  only?: string[];
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  json?: boolean;
  probe?: boolean;
  writeRequirements?: string;
  writeConstraints?: string;
  writeCondaEnv?: string;
  index?: boolean;
  offline?: boolean;
  plan?: string;
}

/** Route modules whose top-level package is installed (the others fail trivially and slowly tell nothing). */
function probeModules(snapshot: EnvSnapshot): string[] {
  const installed = new Set(Object.values(snapshot.distributions).flatMap((d) => d.importPackages));
  return ROUTE_MODULES.filter((m) => installed.has(m.split('.')[0]!));
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Adds fix's options and action to the command the table created (src/cli/command-table.ts). */
export function define(cmd: Command): void {
  addEnvFlags(cmd, { planned: true })
    .option('--apply-patches', 'apply the catalogue\'s source patches that fit the env')
    .option('--only <id>', 'only this patch (and the patches it requires); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--dry-run', 'show what would be done, change nothing')
    .option('-y, --yes', 'apply without asking (required when stdin is not a terminal)')
    .option('--force', 'patch files with unexpected content too, when the diff still applies (their content is backed up)')
    .option('--no-probe', 'skip the before/after import probe')
    .option('--json', 'machine-readable output')
    .option('--write-requirements <file>', 'write the env with the proposed pins as a pinned requirements.txt')
    .option('--write-constraints <file>', 'write the proposed pins as a constraints file (pip install -c FILE)')
    .option('--write-conda-env <file>', 'write a conda environment.yml: python from conda-forge, the pins through pip')
    .option('--plan <n>', 'which plan the --write-* files hold (1 = the first listed)', '1')
    .option('--offline', 'answer from the package-index and pip-verdict caches only')
    .option('--no-index', 'pins from the matrix alone: no package index, no pip referee (fast, offline, not refereed)')
    .addHelpText('after', `
Plans: for each route the env aims at (its converter is installed), the lock solver chooses versions with
the fewest changes to what is installed: one plan keeps the stack and applies catalogue patches, one uses
pins alone (a coherent older stack); pip's resolver referees each (pip install --dry-run --report), and
the --write-* files hold pip's whole closure of the chosen plan. With no plan, fix says why (the index's
facts) and which Python or route would work. --no-index: the matrix-only proposal (pin fixes of check's
findings re-evaluated until no pin helps; not refereed). The --write-* files are replaced atomically.

Backups and the journal live in <env prefix>/.tfdoctor/patches/; undo with \`tfdoctor patch revert --all\`.
Exit codes: 0 applied or nothing to do, 1 refused (conflicting file, read-only env, lock held, declined) or the pins
failed their re-evaluation, 2 usage or probe error.

Examples:
  tfdoctor fix --venv .venv                          # the plan and the pins, nothing changed
  tfdoctor fix --venv .venv --apply-patches --yes    # apply, with a before/after import and route table
  tfdoctor fix --venv .venv --apply-patches --only onnx-tf-onnx-mapping --dry-run
  tfdoctor fix --requirements examples/seed-env.txt --python-version 3.10 --write-requirements requirements.lock.txt
  tfdoctor fix --venv .venv --write-constraints constraints.txt --write-conda-env environment.yml`)
    .action(async (opts: FixFlags) => withExitCode(() => runFix(opts)));
}

async function runFix(opts: FixFlags): Promise<number> {
  // without --apply-patches nothing is changed anyway; say so rather than ignore the flags
  if (!opts.applyPatches && (opts.yes || opts.force)) throw new UserError('--yes and --force only make sense with --apply-patches');
  const log = (line: string) => { if (!opts.json) process.stdout.write(`${line}\n`); };
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const selection = envSelection(opts, 'fix');
  await checkOutputs(opts);
  if (selection.kind === 'planned') return runPlannedFix(opts, selection, log, progress);
  const { snapshot, description } = await readSelectedEnv(selection);
  const catalogue = await loadCatalogue();
  const plans = await planPatches(catalogue, snapshot, { ...(opts.only ? { only: opts.only } : {}), force: opts.force === true });
  const blocked = blockedPlans(plans);
  const pending = plans.filter((p) => p.decision === 'apply');
  log(formatPlan(plans, description));
  const matrix = await usableMatrix(progress);
  const advice = matrix instanceof UserError ? null : await checkAdvice(matrix, catalogue, snapshot, plans);
  if (advice) log(`\n${formatAdvice(advice)}`);
  const proposal = await pinsFor(snapshot, opts, log, progress, matrix, await appliedPatches(snapshot, catalogue));
  const pins = proposal ? pinsDocument(proposal) : {};

  if (!opts.applyPatches || opts.dryRun) {
    if (!opts.applyPatches && pending.length) log(`\nto apply: tfdoctor fix --apply-patches --yes${flagsEcho(opts)}`);
    if (opts.json) process.stdout.write(`${JSON.stringify({ env: description, dryRun: true, plan: planToJson(plans), advice, ...pins }, null, 2)}\n`);
    return (opts.applyPatches && blocked.length) || (proposal && !proposal.ok) ? ExitCode.Findings : ExitCode.Ok;
  }
  // a run a crash interrupted is rolled back by the engine (under the lock) before it decides again
  const interrupted = await hasInterruptedRun(snapshot.prefix);
  if (blocked.length === 0 && pending.length === 0 && !interrupted) {
    log('nothing to do: every relevant patch is already applied');
    if (opts.json) process.stdout.write(`${JSON.stringify({ env: description, plan: planToJson(plans), advice, applied: [], written: 0, ...pins }, null, 2)}\n`);
    return ExitCode.Ok;
  }
  if (blocked.length === 0 && !opts.yes) {
    if (!process.stdin.isTTY) throw new UserError('refusing to change the env without confirmation: stdin is not a terminal', 'pass --yes to apply');
    const what = pending.length ? `apply ${pending.length} patch${pending.length === 1 ? '' : 'es'} to` : 'roll back the interrupted run in';
    if (!(await confirm(`${what} ${description}? [y/N] `))) {
      log('nothing changed');
      return ExitCode.Findings;
    }
  }
  const modules = opts.probe === false ? [] : probeModules(snapshot);
  let before: Record<string, ImportOutcome> = {};
  if (modules.length && blocked.length === 0) {
    progress(`probing imports before patching: ${modules.join(', ')}`);
    before = await deepProbe(snapshot.python.executable, modules);
  }
  const routesBefore = modules.length && advice && !(matrix instanceof UserError) ? await routeVerdicts(matrix, catalogue, snapshot, before) : null;
  const outcome = await applyPatches(catalogue, snapshot, { ...(opts.only ? { only: opts.only } : {}), force: opts.force === true });
  log(formatApplyOutcome(outcome));
  let after: Record<string, ImportOutcome> = {};
  if (modules.length) {
    progress('probing imports after patching');
    after = await deepProbe(snapshot.python.executable, modules);
    log(`\n${formatImportTable(before, after)}`);
  }
  const routesAfter = routesBefore && !(matrix instanceof UserError) ? await routeVerdicts(matrix, catalogue, snapshot, after) : null;
  if (routesBefore && routesAfter) log(`\n${formatRouteTable(routesBefore, routesAfter)}`);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({
      env: description,
      plan: planToJson(outcome.plans),
      advice,
      applied: outcome.plans.filter((p) => p.decision === 'apply').map((p) => p.id),
      written: outcome.written,
      stateDir: outcome.stateDir,
      recovered: outcome.recovered,
      ...(modules.length ? { imports: { before, after } } : {}),
      ...(routesBefore && routesAfter ? { routes: { before: routesBefore, after: routesAfter } } : {}),
      ...pins,
    }, null, 2)}\n`);
  }
  return ExitCode.Ok;
}

/** The matrix, loaded once for the whole command; when it cannot be used, why (said once, as a note). */
async function usableMatrix(progress: (l: string) => void): Promise<Matrix | UserError> {
  try {
    return await loadMatrix();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    progress(`note: the compatibility matrix could not be used (${err.message}); showing the patch plan only`);
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

function flagsEcho(opts: FixFlags): string {
  const parts: string[] = [];
  if (opts.python) parts.push(`--python ${opts.python}`);
  if (opts.venv) parts.push(`--venv ${opts.venv}`);
  if (opts.condaEnv) parts.push(`--conda-env ${opts.condaEnv}`);
  if (opts.prefix) parts.push(`--prefix ${opts.prefix}`);
  for (const id of opts.only ?? []) parts.push(`--only ${id}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/** Refuses output flags that would clash before anything is read or written. */
async function checkOutputs(opts: FixFlags): Promise<void> {
  const outputs = [opts.writeRequirements, opts.writeConstraints, opts.writeCondaEnv].filter((f): f is string => f !== undefined);
  const seen = new Set<string>();
  for (const f of outputs) {
    if (seen.has(resolve(f))) throw new UserError(`${f} is named by two --write-* flags`, 'give each output its own file');
    seen.add(resolve(f));
    await checkWritable(f);
  }
}

/** `fix --requirements`: a planned env has no files to patch: check's advice and the pins only. */
async function runPlannedFix(
  opts: FixFlags, selection: EnvSelection & { kind: 'planned' }, log: (l: string) => void, progress: (l: string) => void,
): Promise<number> {
  if (opts.applyPatches || opts.only) throw new UserError('patches apply to an installed environment, not a requirements file', 'drop --apply-patches / --only, or point fix at the env with --venv / --python');
  const { snapshot, description } = await readSelectedEnv(selection);
  const matrix = await loadMatrix();
  const diagnosis = evaluate(matrix, snapshot, { predictExportGaps: await loadExportGapPredictor() });
  const advice = adviceFrom(diagnosis.findings, []);
  log(`tfdoctor fix: ${description}`);
  log(`\n${formatAdvice(advice)}`);
  const result = await pinsFor(snapshot, opts, log, progress, matrix);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ env: description, advice, ...(result ? pinsDocument(result) : {}) }, null, 2)}\n`);
  }
  return result && !result.ok ? ExitCode.Findings : ExitCode.Ok;
}

/** fix's pins: the refereed plans, or the matrix-only proposal (--no-index); printed, with the --write-* files. */
type PinsOutcome = { ok: boolean; written: Record<string, string> } & (
  | { kind: 'plans'; plans: FixPlans }
  | { kind: 'matrix'; proposal: PinProposal }
);

function pinsDocument(p: PinsOutcome): Record<string, unknown> {
  return p.kind === 'plans' ? { plans: fixPlansToJson(p.plans), pinFiles: p.written } : { pins: pinsToJson(p.proposal), pinFiles: p.written };
}

/** The pins, printed, and the --write-* files; null when the matrix cannot be used (already noted). */
async function pinsFor(
  snapshot: EnvSnapshot, opts: FixFlags, log: (l: string) => void, progress: (l: string) => void, matrix: Matrix | UserError,
  applied: AppliedPatch[] = [],
): Promise<PinsOutcome | null> {
  if (matrix instanceof UserError) {
    if (opts.writeRequirements || opts.writeConstraints || opts.writeCondaEnv) throw matrix;
    return null;
  }
  const planIndex = Number(opts.plan ?? '1');
  if (!Number.isInteger(planIndex) || planIndex < 1) throw new UserError(`--plan ${JSON.stringify(opts.plan)} is not a plan number`, 'give 1 for the first plan listed, 2 for the second');
  const ctx = { command: `tfdoctor ${process.argv.slice(2).join(' ')}` };
  const outputs: [string | undefined, LockFormat][] = [[opts.writeRequirements, 'requirements'], [opts.writeConstraints, 'constraints'], [opts.writeCondaEnv, 'conda']];
  const written: Record<string, string> = {};
  const write = async (file: string, text: string) => {
    const outcome = await writeFileAtomic(file, text);
    written[file] = outcome;
    progress(`${outcome === 'written' ? 'wrote' : 'unchanged'} ${file}`);
  };
  if (opts.index === false) {
    const proposal = proposePins(matrix, snapshot, await loadExportGapPredictor(), { appliedPatches: applied });
    log(`\n${formatPins(proposal)}`);
    const render: Record<LockFormat, () => string> = {
      requirements: () => renderRequirements(matrix, snapshot, proposal, ctx),
      constraints: () => renderConstraints(matrix, snapshot, proposal, ctx),
      conda: () => renderCondaEnv(matrix, snapshot, proposal, { ...ctx, name: condaName(snapshot) }),
    };
    for (const [file, format] of outputs) if (file !== undefined) await write(file, render[format]());
    return { kind: 'matrix', proposal, ok: proposal.verified, written };
  }
  // the solver's rounds are shown on a terminal only (scripts read stdout / --json)
  const plans = await fixPlans(snapshot, matrix, { offline: opts.offline === true, ...(process.stderr.isTTY ? { progress: (m: string) => progress(`tfdoctor fix: ${m}`) } : {}) });
  const chosen = plans.plans[planIndex - 1];
  if (outputs.some(([f]) => f !== undefined)) {
    if (!chosen) throw new UserError(plans.plans.length ? `--plan ${planIndex}: there are ${plans.plans.length} plan(s)` : 'no plan to write: no pin makes the env work (see why above)');
    for (const [file, format] of outputs) if (file !== undefined) await write(file, renderPlanFile(chosen, planIndex, format, { ...ctx, name: condaName(snapshot) }));
  }
  const color = new Chalk({ level: process.stdout.isTTY && !process.env.NO_COLOR && !opts.json ? 1 : 0 });
  log(`\n${formatFixPlans(plans, color)}`);
  return { kind: 'plans', plans, ok: plans.plans.length > 0 || plans.none.length === 0, written };
}

/** environment.yml's name: the conda env's own, else a fixed one. */
function condaName(snapshot: EnvSnapshot): string {
  return snapshot.kind === 'conda' && snapshot.prefix ? `${basename(snapshot.prefix)}-fixed` : 'tfdoctor-fixed';
}
