import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ROUTE_MODULES, deepProbe, type ImportOutcome } from '../../env/deep-probe.js';
import type { EnvSnapshot } from '../../env/types.js';
import { applyPatches, blockedPlans, hasInterruptedRun } from '../../patch/apply.js';
import { loadCatalogue } from '../../patch/catalogue.js';
import { planPatches } from '../../patch/plan.js';
import { formatApplyOutcome, formatImportTable, formatPlan, formatRouteTable, planToJson } from '../../patch/report.js';
import type { RouteVerdict } from '../../diagnose/types.js';
import { evaluate } from '../../diagnose/evaluate.js';
import { loadExportGapPredictor } from '../../diagnose/predictor.js';
import { loadMatrix } from '../../matrix/load.js';
import { adviceFrom, formatAdvice, type Advice } from '../../patch/advice.js';
import { appliedPatches } from '../../patch/status.js';
import type { Catalogue, PatchPlan } from '../../patch/types.js';
import { ExitCode, UserError } from '../../util/errors.js';
import { addEnvFlags, probeFromFlags, withExitCode, type EnvFlags } from './patch.js';

interface FixFlags extends EnvFlags {
  applyPatches?: boolean;
  only?: string[];
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
  json?: boolean;
  probe?: boolean;
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

export function registerFix(program: Command): void {
  addEnvFlags(program.command('fix').description('propose fixes for the env; with --apply-patches, apply the known source patches (reversibly)'))
    .option('--apply-patches', 'apply the catalogue\'s source patches that fit the env')
    .option('--only <id>', 'only this patch (and the patches it requires); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--dry-run', 'show what would be done, change nothing')
    .option('-y, --yes', 'apply without asking (required when stdin is not a terminal)')
    .option('--force', 'patch files with unexpected content too, when the diff still applies (their content is backed up)')
    .option('--no-probe', 'skip the before/after import probe')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `
Backups and the journal live in <env prefix>/.tfdoctor/patches/; undo with \`tfdoctor patch revert --all\`.
Exit codes: 0 applied or nothing to do, 1 refused (conflicting file, read-only env, lock held, declined), 2 usage or probe error.

Examples:
  tfdoctor fix --venv .venv                          # the plan and the pins, nothing changed
  tfdoctor fix --venv .venv --apply-patches --yes    # apply, with a before/after import and route table
  tfdoctor fix --venv .venv --apply-patches --only onnx-tf-onnx-mapping --dry-run`)
    .action(async (opts: FixFlags) => withExitCode(() => runFix(opts)));
}

async function runFix(opts: FixFlags): Promise<number> {
  // without --apply-patches nothing is changed anyway; say so rather than ignore the flags
  if (!opts.applyPatches && (opts.yes || opts.force)) throw new UserError('--yes and --force only make sense with --apply-patches');
  const log = (line: string) => { if (!opts.json) process.stdout.write(`${line}\n`); };
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const { snapshot, description } = await probeFromFlags(opts);
  const catalogue = await loadCatalogue();
  const plans = await planPatches(catalogue, snapshot, { ...(opts.only ? { only: opts.only } : {}), force: opts.force === true });
  const blocked = blockedPlans(plans);
  const pending = plans.filter((p) => p.decision === 'apply');
  log(formatPlan(plans, description));
  const advice = await checkAdvice(catalogue, snapshot, plans, progress);
  if (advice) log(`\n${formatAdvice(advice)}`);

  if (!opts.applyPatches || opts.dryRun) {
    if (!opts.applyPatches && pending.length) log(`\nto apply: tfdoctor fix --apply-patches --yes${flagsEcho(opts)}`);
    if (opts.json) process.stdout.write(`${JSON.stringify({ env: description, dryRun: true, plan: planToJson(plans), advice }, null, 2)}\n`);
    return opts.applyPatches && blocked.length ? ExitCode.Findings : ExitCode.Ok;
  }
  // a run a crash interrupted is rolled back by the engine (under the lock) before it decides again
  const interrupted = await hasInterruptedRun(snapshot.prefix);
  if (blocked.length === 0 && pending.length === 0 && !interrupted) {
    log('nothing to do: every relevant patch is already applied');
    if (opts.json) process.stdout.write(`${JSON.stringify({ env: description, plan: planToJson(plans), advice, applied: [], written: 0 }, null, 2)}\n`);
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
  const routesBefore = modules.length && advice ? await routeVerdicts(catalogue, snapshot, before) : null;
  const outcome = await applyPatches(catalogue, snapshot, { ...(opts.only ? { only: opts.only } : {}), force: opts.force === true });
  log(formatApplyOutcome(outcome));
  let after: Record<string, ImportOutcome> = {};
  if (modules.length) {
    progress('probing imports after patching');
    after = await deepProbe(snapshot.python.executable, modules);
    log(`\n${formatImportTable(before, after)}`);
  }
  const routesAfter = routesBefore ? await routeVerdicts(catalogue, snapshot, after) : null;
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
    }, null, 2)}\n`);
  }
  return ExitCode.Ok;
}

/** check's findings for this env turned into fixes; null (with a note) when the matrix cannot be used. */
async function checkAdvice(catalogue: Catalogue, snapshot: EnvSnapshot, plans: PatchPlan[], progress: (l: string) => void): Promise<Advice[] | null> {
  try {
    const matrix = await loadMatrix();
    const diagnosis = evaluate(matrix, snapshot, {
      appliedPatches: await appliedPatches(snapshot, catalogue),
      predictExportGaps: await loadExportGapPredictor(),
    });
    return adviceFrom(diagnosis.findings, plans);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    progress(`note: the compatibility matrix could not be used (${err.message}); showing the patch plan only`);
    return null;
  }
}

/** check's route verdicts for the env as it is now (applied patches and the given import outcomes). */
async function routeVerdicts(catalogue: Catalogue, snapshot: EnvSnapshot, deep: Record<string, ImportOutcome>): Promise<RouteVerdict[]> {
  const diagnosis = evaluate(await loadMatrix(), snapshot, {
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
