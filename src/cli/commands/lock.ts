// `tfdoctor lock`: flags -> lock request -> the solver refereed by pip -> plan or explanation -> report.
import type { Command } from 'commander';
import { Chalk } from 'chalk';
import { addTargetFlags, targetFromFlags } from '../env-flags.js';
import type { LockRequest } from '../../lock/plan.js';
import { findInterpreter, probeInterpreter, sameMachine } from '../../lock/pip-select.js';
import { LOCK_ROUTES, type LockRouteId } from '../../lock/spec.js';
import { LOCK_FORMATS, renderLock, type LockFormat } from '../../lock/write.js';
import { readModelOps } from '../../model/read.js';
import { writeFileAtomic } from '../../fix/write.js';
import { indexLacksText, lockDocument, refereeFailedText, renderExplanation, renderPlan } from '../../report/lock.js';
import { ExitCode, UserError } from '../../util/errors.js';

interface LockFlags {
  route?: string;
  python?: string;
  platform?: string;
  with?: string[];
  output?: string;
  format: string;
  json?: boolean;
  offline?: boolean;
  patches: boolean;
  pipPython?: string;
  quiet?: boolean;
  matrix?: string;
  model?: string;
}

export function define(cmd: Command): void {
  addTargetFlags(cmd)
    .option('--route <route>', `the conversion route: ${LOCK_ROUTES.join(' | ')}`)
    .option('-o, --output <file>', 'write the whole closure there (atomically)')
    .option('--format <format>', `${LOCK_FORMATS.join(' | ')}`, 'requirements')
    .option('--model <file>', "an ONNX model: its ops and input names decide the plan's export and patch steps")
    .option('--no-patches', 'solve without catalogue patches (an env that works as pip installs it)')
    .option('--offline', 'answer from the index cache only; say what is missing')
    .option('--pip-python <path>', "the interpreter whose pip settings (index-url, find-links, constraints) apply (default: python<x.y>, else python3)")
    .option('--json', 'print one JSON document on stdout')
    .option('-q, --quiet', 'no progress lines on stderr')
    .option('--matrix <dir>', "the compatibility matrix folder (default: the package's matrix/)")
    .addHelpText('after', `
Exit codes: 0 solved, 1 no environment exists (the explanation says why and what solves instead) or the
route cannot take the --model (a gap no patch or export opset closes), 2 usage error, not an ONNX --model, index unreachable, the index lacks a file of the plan, or pip's resolver failed.

Examples:
  tfdoctor lock --route onnx-tf --python 3.11 --with "torch==2.13.0" -o requirements.lock
  tfdoctor lock --route onnx2tf --python 3.12 --format conda -o environment.yml
  tfdoctor lock --route onnx-tf --python 3.12        # explains why none exists, and what does
  tfdoctor lock --route onnx-tf --python 3.11 --no-patches --model model.onnx   # export opset from the model's ops`)
    .action(async (flags: LockFlags) => {
      process.exitCode = await runLockCommand(flags);
    });
}

async function parseFlags(flags: LockFlags): Promise<{ req: LockRequest; format: LockFormat; pipPython: string }> {
  if (!flags.route) throw new UserError('lock needs --route', `routes: ${LOCK_ROUTES.join(', ')}`);
  if (!(LOCK_ROUTES as readonly string[]).includes(flags.route)) {
    throw new UserError(`unknown route ${JSON.stringify(flags.route)}`, `routes: ${LOCK_ROUTES.join(', ')} (the native route needs no Python env: tfdoctor convert)`);
  }
  if (!(LOCK_FORMATS as readonly string[]).includes(flags.format)) throw new UserError(`unknown --format ${JSON.stringify(flags.format)}`, `formats: ${LOCK_FORMATS.join(', ')}`);
  // the model first: a file that is not ONNX is a usage error before any index or resolver work
  const model = flags.model !== undefined ? readModelOps(flags.model) : undefined;
  const asked = flags.python ?? (await probeInterpreter('python3', 15_000))?.minor;
  const { target: { platform, python: minor }, with: withs } = targetFromFlags({ ...flags, python: asked });
  // X.Y means the X.Y installed here when there is one (the interpreter whose pip referees): Requires-Python
  // such as onnx2tf 1.29's ">=3.10.12" is judged on its patch level, as that pip will judge it
  const local = await findInterpreter(minor, 15_000);
  const python = asked!.split('.').length === 2 && local && sameMachine(local.platform, platform) ? local.version : asked!;
  const pipPython = flags.pipPython ?? local?.path ?? 'python3';
  const req: LockRequest = { route: flags.route as LockRouteId, target: { python, platform }, with: withs, allowPatches: flags.patches, ...(model ? { model } : {}) };
  return { req, format: flags.format as LockFormat, pipPython };
}

function reproduceLine(flags: LockFlags, req: LockRequest): string {
  const parts = ['tfdoctor lock', `--route ${req.route}`, `--python ${req.target.python}`, `--platform ${req.target.platform.system}-${req.target.platform.machine}`];
  for (const w of req.with) parts.push(`--with "${w.text}"`);
  if (!req.allowPatches) parts.push('--no-patches');
  if (req.model) parts.push(`--model ${req.model.path}`);
  if (flags.format !== 'requirements') parts.push(`--format ${flags.format}`);
  return parts.join(' ');
}

export async function runLockCommand(flags: LockFlags): Promise<number> {
  const { req, format, pipPython } = await parseFlags(flags);
  const color = new Chalk({ level: process.stdout.isTTY && !process.env.NO_COLOR && !flags.json ? 1 : 0 });
  const errColor = new Chalk({ level: process.stderr.isTTY && !process.env.NO_COLOR ? 1 : 0 });
  const progress = flags.quiet ? undefined : (m: string) => process.stderr.write(errColor.dim(`tfdoctor lock: ${m}\n`));
  const { runLock } = await import('../../lock/run.js');
  const { outcome } = await runLock(req, {
    python: pipPython, offline: !!flags.offline, ...(flags.matrix ? { matrixDir: flags.matrix } : {}), ...(progress ? { progress } : {}),
  });
  const reproduce = reproduceLine(flags, req);
  let written: string | null = null;
  if (outcome.kind === 'solved' && flags.output) {
    await writeFileAtomic(flags.output, renderLock(outcome.plan, format, { reproduce }));
    written = flags.output;
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(lockDocument(outcome, reproduce, written), null, 2)}\n`);
  switch (outcome.kind) {
    case 'solved':
      if (!flags.json) process.stdout.write(renderPlan(outcome.plan, color, reproduce, written));
      return outcome.plan.model?.blocked ? ExitCode.Findings : ExitCode.Ok;
    case 'no-solution':
      if (!flags.json) process.stdout.write(renderExplanation(outcome.explanation, color));
      return ExitCode.Findings;
    case 'index-lacks-file':
      process.stderr.write(`tfdoctor: ${indexLacksText(outcome)}\n`);
      return ExitCode.Usage;
    case 'referee-failed':
      process.stderr.write(`tfdoctor: ${refereeFailedText(outcome)}\n`);
      return ExitCode.Usage;
  }
}
