import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { Chalk } from 'chalk';
import { ExitCode, UserError } from '../../util/errors.js';
import { withExitCode } from './patch.js';
import { addEnvFlags, envSelection, readSelectedEnv, type EnvFlags } from '../env-flags.js';
import { checkWritable } from '../../fix/write.js';
import { fixHasFindings, runInstalledFix, runPlannedFix, type FixHooks, type FixRequest } from '../../fix/run.js';
import { fixConfirmQuestion, fixReportToJson, formatFixProgress, formatFixSection } from '../../report/fix.js';

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
  const selection = envSelection(opts, 'fix');
  await checkOutputs(opts);
  if (selection.kind === 'planned' && (opts.applyPatches || opts.only)) {
    throw new UserError('patches apply to an installed environment, not a requirements file', 'drop --apply-patches / --only, or point fix at the env with --venv / --python');
  }
  const color = new Chalk({ level: process.stdout.isTTY && !process.env.NO_COLOR && !opts.json ? 1 : 0 });
  const hooks: FixHooks = {
    show: (section) => { if (!opts.json) process.stdout.write(`${formatFixSection(section, color, flagsEcho(opts))}\n`); },
    progress: (event) => process.stderr.write(`${formatFixProgress(event)}\n`),
    confirm: async ({ pending, description }) => {
      if (opts.yes) return true;
      if (!process.stdin.isTTY) throw new UserError('refusing to change the env without confirmation: stdin is not a terminal', 'pass --yes to apply');
      return confirm(fixConfirmQuestion(pending, description));
    },
  };
  const request: FixRequest = {
    applyPatches: opts.applyPatches === true,
    ...(opts.only ? { only: opts.only } : {}),
    dryRun: opts.dryRun === true,
    force: opts.force === true,
    probe: opts.probe !== false,
    ...(opts.writeRequirements !== undefined ? { writeRequirements: opts.writeRequirements } : {}),
    ...(opts.writeConstraints !== undefined ? { writeConstraints: opts.writeConstraints } : {}),
    ...(opts.writeCondaEnv !== undefined ? { writeCondaEnv: opts.writeCondaEnv } : {}),
    index: opts.index !== false,
    offline: opts.offline === true,
    plan: opts.plan,
    command: `tfdoctor ${process.argv.slice(2).join(' ')}`,
    // the solver's rounds are shown on a terminal only (scripts read stdout / --json)
    solverRounds: process.stderr.isTTY === true,
  };
  const { snapshot, description } = await readSelectedEnv(selection);
  const report = selection.kind === 'planned'
    ? await runPlannedFix(snapshot, description, request, hooks)
    : await runInstalledFix(snapshot, description, request, hooks);
  const doc = opts.json ? fixReportToJson(report) : null;
  if (doc) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  return fixHasFindings(report, request) ? ExitCode.Findings : ExitCode.Ok;
}

/** The env flags echoed in the hint to apply the patches. */
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
