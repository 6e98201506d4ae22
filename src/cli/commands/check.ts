// `tfdoctor check`: flags -> snapshot (probe or requirements file) -> matrix rules -> report.
import type { Command } from 'commander';
import { Chalk } from 'chalk';
import { resolveTarget } from '../../env/discover.js';
import { probeEnvironment } from '../../env/probe.js';
import { snapshotFromRequirements } from '../../env/requirements.js';
import { deepProbe, ROUTE_MODULES, type ImportOutcome } from '../../env/deep-probe.js';
import type { EnvSnapshot } from '../../env/types.js';
import { loadMatrix, defaultMatrixDir } from '../../matrix/load.js';
import { evaluate, countBySeverity } from '../../diagnose/evaluate.js';
import { loadExportGapPredictor } from '../../diagnose/predictor.js';
import type { AppliedPatch } from '../../diagnose/types.js';
import { renderHuman } from '../../report/human.js';
import { checkDocument } from '../../report/json.js';
import { ExitCode, UserError } from '../../util/errors.js';
import { toolVersion } from '../../util/package-root.js';

interface CheckFlags {
  python?: string;
  venv?: string;
  condaEnv?: string;
  prefix?: string;
  requirements?: string;
  pythonVersion?: string;
  platform?: string;
  deep?: boolean;
  json?: boolean;
  matrix?: string;
  verbose?: boolean;
}

/** Adds check's options and action to the command the table created (src/cli/command-table.ts). */
export function define(cmd: Command): void {
  cmd
    .option('--python <path>', 'the interpreter to check')
    .option('--venv <dir>', 'a virtualenv to check')
    .option('--conda-env <name>', 'a conda env to check, by name')
    .option('--prefix <dir>', 'a conda env to check, by folder')
    .option('--requirements <file>', 'check a planned env: a requirements.txt or `pip freeze` output (no Python needed)')
    .option('--python-version <x.y>', 'with --requirements: the Python the env will have (required)')
    .option('--platform <system-machine>', 'with --requirements: e.g. linux-x86_64, darwin-arm64, win32-AMD64 (default: this machine)')
    .option('--deep', 'also import every route module in the env and compare with the predictions')
    .option('--json', 'print one JSON document on stdout (everything else goes to stderr)')
    .option('--matrix <dir>', "the compatibility matrix folder (default: the package's matrix/)")
    .option('-v, --verbose', 'show info findings and evidence notes')
    .addHelpText('after', `
Environment (one of; default: $VIRTUAL_ENV, then $CONDA_PREFIX, then python3 on PATH):
  --python PATH | --venv DIR | --conda-env NAME | --prefix DIR | --requirements FILE --python-version X.Y

Exit codes: 0 no errors, 1 errors found (or a --deep disagreement), 2 usage or probe failure.

Examples:
  tfdoctor check --venv .venv --deep
  tfdoctor check --requirements examples/seed-env.txt --python-version 3.10
  tfdoctor check --json > report.json`)
    .action(async (flags: CheckFlags) => {
      process.exitCode = await runCheck(flags);
    });
}

async function runCheck(flags: CheckFlags): Promise<number> {
  const envFlags = (['python', 'venv', 'condaEnv', 'prefix'] as const).filter((k) => flags[k] !== undefined);
  if (flags.requirements !== undefined) {
    if (envFlags.length > 0) throw new UserError('--requirements cannot be combined with --python, --venv, --conda-env or --prefix');
    if (flags.deep) throw new UserError('--deep needs a real environment to import from, not --requirements', 'drop --deep, or point check at the env with --venv / --python');
    if (flags.pythonVersion === undefined) throw new UserError('--requirements needs --python-version X.Y (the Python the planned env will have)', 'e.g. tfdoctor check --requirements examples/seed-env.txt --python-version 3.10');
  } else {
    if (flags.pythonVersion !== undefined) throw new UserError('--python-version only applies with --requirements (a real env reports its own Python)');
    if (flags.platform !== undefined) throw new UserError('--platform only applies with --requirements (a real env reports its own platform)');
  }
  if (flags.pythonVersion !== undefined && !/^3\.\d+(\.\d+)?$/.test(flags.pythonVersion)) {
    throw new UserError(`--python-version ${flags.pythonVersion}: expected X.Y or X.Y.Z, e.g. 3.10`);
  }

  const matrixDir = flags.matrix ?? defaultMatrixDir();
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const platform = flags.platform !== undefined ? parsePlatform(flags.platform) : undefined;

  // the probe runs in a child interpreter while the matrix parses here
  let interpreter: string | null = null;
  const snapshotting = (async (): Promise<EnvSnapshot> => {
    if (flags.requirements !== undefined) {
      return snapshotFromRequirements(flags.requirements, { pythonVersion: flags.pythonVersion!, ...(platform ? { platform } : {}) });
    }
    const target = await resolveTarget({ python: flags.python, venv: flags.venv, condaEnv: flags.condaEnv, prefix: flags.prefix });
    if (flags.verbose) progress(`tfdoctor check: ${target.description}`);
    interpreter = target.interpreter;
    return probeEnvironment(target);
  })();
  const [snapshotResult, matrixResult] = await Promise.allSettled([snapshotting, loadMatrix(matrixDir)]);
  // a broken matrix is reported first: it is tfdoctor's own input
  if (matrixResult.status === 'rejected') throw matrixResult.reason;
  if (snapshotResult.status === 'rejected') throw snapshotResult.reason;
  const matrix = matrixResult.value;
  const snapshot = snapshotResult.value;

  let deep: Record<string, ImportOutcome> | undefined;
  if (flags.deep && interpreter) {
    // the probed sys.executable, not the path given: a pyenv/conda shim would start once per module
    interpreter = snapshot.python.executable || interpreter;
    const modules = [...new Set<string>([...ROUTE_MODULES, ...matrix.rules.flatMap((r) => r.observe.map((o) => o.module))])];
    progress(`deep probe: importing ${modules.length} modules in ${interpreter} (each in its own process, the shared base imported once)…`);
    const started = Date.now();
    deep = await deepProbe(interpreter, modules, {
      onProgress: (o) => progress(`  ${o.ok ? 'ok    ' : 'FAILED'} ${o.module} (${o.seconds.toFixed(1)} s)${o.error ? `: ${o.error.type}: ${o.error.message}` : ''}`),
    });
    progress(`deep probe: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const diagnosis = evaluate(matrix, snapshot, {
    ...(deep ? { deep } : {}),
    appliedPatches: await appliedPatchesOf(snapshot),
    predictExportGaps: await loadExportGapPredictor(),
  });

  if (flags.json) {
    const doc = checkDocument(diagnosis, snapshot, {
      tool: { name: 'tfdoctor', version: toolVersion() },
      matrixDir,
      tracked: matrix.families.flatMap((f) => f.distributions),
      deep: deep !== undefined,
    });
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    // chalk's level follows stdout: 0 when piped or NO_COLOR, forced by FORCE_COLOR
    process.stdout.write(renderHuman(diagnosis, snapshot, { verbose: !!flags.verbose, color: new Chalk() }));
  }
  const errors = countBySeverity(diagnosis.findings).error;
  return errors > 0 || diagnosis.disagreements.length > 0 ? ExitCode.Findings : ExitCode.Ok;
}

export function parsePlatform(text: string): { system: string; machine: string } {
  const m = /^(linux|darwin|win32)-([A-Za-z0-9_]+)$/.exec(text);
  if (!m) throw new UserError(`--platform ${text}: expected <system>-<machine> with system linux, darwin or win32, e.g. linux-x86_64`);
  return { system: m[1]!, machine: m[2]! };
}

/** Patches tfdoctor already applied to this env (src/patch/status.ts); the patch engine loads only for a real env. */
async function appliedPatchesOf(snapshot: EnvSnapshot): Promise<AppliedPatch[]> {
  if (snapshot.planned) return [];
  const { appliedPatches } = await import('../../patch/status.js');
  return appliedPatches(snapshot);
}
