// `tfdoctor check`: flags -> snapshot (probe or requirements file) -> matrix rules -> report.
import type { Command } from 'commander';
import type { ImportOutcome } from '../../env/deep-probe.js';
import type { EnvSnapshot } from '../../env/types.js';
import { loadMatrix, defaultMatrixDir } from '../../matrix/load.js';
import { evaluate, countBySeverity } from '../../diagnose/evaluate.js';
import { loadExportGapPredictor } from '../../diagnose/predictor.js';
import type { AppliedPatch } from '../../diagnose/types.js';
import { checkDocument } from '../../report/json.js';
import { ExitCode, UserError } from '../../util/errors.js';
import { addEnvFlags, envSelection, readSelectedEnv, type EnvFlags } from '../env-flags.js';
import { toolVersion } from '../../util/package-root.js';

interface CheckFlags extends EnvFlags {
  deep?: boolean;
  model?: string;
  json?: boolean;
  matrix?: string;
  verbose?: boolean;
  /** false with --no-cache */
  cache?: boolean;
}

/** Adds check's options and action to the command the table created (src/cli/command-table.ts). */
export function define(cmd: Command): void {
  addEnvFlags(cmd, { planned: true })
    .option('--deep', 'also import every route module in the env and compare with the predictions')
    .option('--model <file>', "also judge an ONNX model: each route's first op-version gap and what closes it, and what in the file stops a route")
    .option('--json', 'print one JSON document on stdout (everything else goes to stderr)')
    .option('--matrix <dir>', "the compatibility matrix folder (default: the package's matrix/)")
    .option('-v, --verbose', 'show info findings and evidence notes')
    .option('--no-cache', 'probe the env afresh: neither read nor write the env snapshot cache')
    .addHelpText('after', `
Environment (one of; default: $VIRTUAL_ENV, then $CONDA_PREFIX, then python3 on PATH):
  --python PATH | --venv DIR | --conda-env NAME | --prefix DIR | --requirements FILE --python-version X.Y

A real env's snapshot is cached (in $TFDOCTOR_CACHE_DIR, else $XDG_CACHE_HOME/tfdoctor, else ~/.cache/tfdoctor)
and reused while every file and folder the probe read is unchanged; --no-cache probes afresh.

Exit codes: 0 no errors, 1 errors found (or a --deep disagreement), 2 usage or probe failure.

Examples:
  tfdoctor check --venv .venv --deep
  tfdoctor check --requirements examples/seed-env.txt --python-version 3.10
  tfdoctor check --venv .venv --model model.onnx
  tfdoctor check --json > report.json`)
    .action(async (flags: CheckFlags) => {
      process.exitCode = await runCheck(flags);
    });
}

async function runCheck(flags: CheckFlags): Promise<number> {
  const selection = envSelection(flags, 'check');
  if (selection.kind === 'planned' && flags.deep) {
    throw new UserError('--deep needs a real environment to import from, not --requirements', 'drop --deep, or point check at the env with --venv / --python');
  }

  // the model first: a file that is not ONNX is a usage error before any probe
  const modelCore = flags.model !== undefined ? await import('../../model/env.js') : undefined;
  const model = modelCore && flags.model !== undefined ? modelCore.readModelOps(flags.model) : undefined;
  const matrixDir = flags.matrix ?? defaultMatrixDir();
  const progress = (line: string) => process.stderr.write(`${line}\n`);

  // the probe runs in a child interpreter while the matrix parses here
  const verbose = flags.verbose ? (d: string) => progress(`tfdoctor check: ${d}`) : undefined;
  const reading = readSelectedEnv(selection, verbose, { cache: flags.cache !== false, ...(verbose ? { onCache: verbose } : {}) });
  const [envResult, matrixResult] = await Promise.allSettled([reading, loadMatrix(matrixDir)]);
  // a broken matrix is reported first: it is tfdoctor's own input
  if (matrixResult.status === 'rejected') throw matrixResult.reason;
  if (envResult.status === 'rejected') throw envResult.reason;
  const matrix = matrixResult.value;
  const { snapshot } = envResult.value;
  let { interpreter } = envResult.value;

  let deep: Record<string, ImportOutcome> | undefined;
  if (flags.deep && interpreter) {
    // the probed sys.executable, not the path given: a pyenv/conda shim would start once per module
    interpreter = snapshot.python.executable || interpreter;
    const { deepProbe, ROUTE_MODULES } = await import('../../env/deep-probe.js');
    const modules = [...new Set<string>([...ROUTE_MODULES, ...matrix.rules.flatMap((r) => r.observe.map((o) => o.module))])];
    progress(`deep probe: importing ${modules.length} modules in ${interpreter} (each in its own process, the shared base imported once)…`);
    const started = Date.now();
    deep = await deepProbe(interpreter, modules, {
      onProgress: (o) => progress(`  ${o.ok ? 'ok    ' : 'FAILED'} ${o.module} (${o.seconds.toFixed(1)} s)${o.error ? `: ${o.error.type}: ${o.error.message}` : ''}`),
    });
    progress(`deep probe: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const applied = await appliedPatchesOf(snapshot);
  const diagnosis = evaluate(matrix, snapshot, {
    ...(deep ? { deep } : {}),
    appliedPatches: applied,
    predictExportGaps: await loadExportGapPredictor(),
  });
  const modelCheck = model && modelCore ? await modelCore.checkModelInEnv(model, snapshot, applied, matrixDir) : undefined;
  if (modelCheck && modelCore) modelCore.yieldPredictionsToModel(diagnosis, modelCheck, matrix);
  const modelStops = modelCheck && modelCore ? modelCore.blockRoutesByModel(diagnosis, modelCheck) : 0;

  if (flags.json) {
    const doc = checkDocument(diagnosis, snapshot, {
      tool: { name: 'tfdoctor', version: toolVersion() },
      matrixDir,
      tracked: matrix.families.flatMap((f) => f.distributions),
      deep: deep !== undefined,
      ...(modelCheck ? { model: modelCheck } : {}),
    });
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    // the human reporter and chalk load only here (--json needs neither);
    // chalk's level follows stdout: 0 when piped or NO_COLOR, forced by FORCE_COLOR
    const [{ Chalk }, { renderHuman }] = await Promise.all([import('chalk'), import('../../report/human.js')]);
    process.stdout.write(renderHuman(diagnosis, snapshot, { verbose: !!flags.verbose, color: new Chalk(), ...(modelCheck ? { model: modelCheck } : {}) }));
  }
  const errors = countBySeverity(diagnosis.findings).error;
  return errors > 0 || modelStops > 0 || diagnosis.disagreements.length > 0 ? ExitCode.Findings : ExitCode.Ok;
}

/** Patches tfdoctor already applied to this env (src/patch/status.ts); the patch engine loads only for a real env. */
async function appliedPatchesOf(snapshot: EnvSnapshot): Promise<AppliedPatch[]> {
  if (snapshot.planned) return [];
  const { appliedPatches } = await import('../../patch/status.js');
  return appliedPatches(snapshot);
}

