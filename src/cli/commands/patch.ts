import { Command, Option } from 'commander';
import { loadCatalogue } from '../../patch/catalogue.js';
import { formatRevertOutcome, formatStatus } from '../../patch/report.js';
import { revertPatches } from '../../patch/revert.js';
import { patchStatus } from '../../patch/status.js';
import { ExitCode, UserError, describeError } from '../../util/errors.js';
import { addEnvFlags, envSelection, readSelectedEnv, type InstalledEnvFlags } from '../env-flags.js';

/**
 * Runs an action; a UserError that carries its own exit code (1: refused / conflict) is printed
 * here as one line, the rest goes to the program's handler (exit 2).
 */
export async function withExitCode(action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (err) {
    if (err instanceof UserError && err.exitCode !== ExitCode.Usage) {
      process.stderr.write(`tfdoctor: ${describeError(err)}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}

/** Adds patch's subcommands to the command the table created (src/cli/command-table.ts). */
export function define(patch: Command): void {
  patch.addHelpText('after', `
Examples:
  tfdoctor patch status --venv .venv        # applied / not applied / reverted by a reinstall / drifted
  tfdoctor patch revert --all --venv .venv  # byte-identical originals back from the backups`);

  addEnvFlags(patch.command('status').description('which catalogue patches are applied in the env, and which a reinstall undid'))
    .option('--json', 'machine-readable output')
    .action(async (opts: InstalledEnvFlags & { json?: boolean }) => withExitCode(async () => {
      const { snapshot, description } = await readSelectedEnv(envSelection(opts, 'patch'));
      const report = await patchStatus(await loadCatalogue(), snapshot);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ env: description, ...report }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatStatus(report, description)}\n`);
      }
      // drift is worth a non-zero exit: a patch the user relies on is no longer in place
      return report.patches.some((p) => p.state === 'drifted' || p.state === 'reverted-by-reinstall') || report.interrupted ? ExitCode.Findings : ExitCode.Ok;
    }));

  addEnvFlags(patch.command('revert').description('restore the byte-identical originals of applied patches')
    .argument('[ids...]', 'patch ids to revert')
    .addOption(new Option('--all', 'revert every patch tfdoctor applied')))
    .option('--json', 'machine-readable output')
    .action(async (ids: string[], opts: InstalledEnvFlags & { all?: boolean; json?: boolean }) => withExitCode(async () => {
      if (opts.all && ids.length) throw new UserError('pass patch ids or --all, not both');
      if (!opts.all && ids.length === 0) throw new UserError('name the patch ids to revert, or pass --all', 'see applied patches with: tfdoctor patch status');
      const { snapshot, description } = await readSelectedEnv(envSelection(opts, 'patch'));
      const catalogue = await loadCatalogue();
      const outcome = await revertPatches(snapshot, { ids, all: opts.all === true, knownIds: catalogue.patches.map((p) => p.id) });
      if (opts.json) process.stdout.write(`${JSON.stringify({ env: description, ...outcome }, null, 2)}\n`);
      else process.stdout.write(`${formatRevertOutcome(outcome)}\n`);
      return ExitCode.Ok;
    }));
}
