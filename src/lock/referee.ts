// pip's resolver as the referee of a plan: `pip install --dry-run --ignore-installed --report` of the
// requirements for the target Python and platform, through the user's own pip configuration.
// A resolution comes back as the full closure with `via`; a failure as conflict, no-distribution,
// index-error, pip-error or timeout (see pip-errors.ts for how pip's messages are read).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerEnvironment, evaluateMarker, type MarkerEnvironment } from '../env/markers.js';
import { normalizeName } from '../env/names.js';
import { parseRequirement } from '../env/requirements.js';
import { classifyPipFailure, fetchFailures } from './pip-errors.js';
import { parseReport, readReport, ReportError } from './pip-report.js';
import { runProcess } from './pip-run.js';
import { choosePip, type PipRunner } from './pip-select.js';
import type { RefereeOutcome, RefereeProvenance, Target } from './types.js';

export type { PipRunner } from './pip-select.js';

export interface RefereeOptions {
  /** an interpreter to prefer for running pip (the user's env); default: python3.X for the target, else python3 */
  python?: string;
  target: Target;
  /** PEP 508 requirement lines */
  requirements: string[];
  /** constraint lines (`-c`), added to any constraint files of the user's pip configuration */
  constraints?: string[];
  /** for the whole call, pip download included */
  timeoutMs: number;
  /** how to run pip (default: choosePip) */
  pip?: PipRunner;
  /** the environment pip runs with (default process.env); PIP_* settings in it apply */
  env?: NodeJS.ProcessEnv;
  /** more pip options, e.g. --index-url URL --no-cache-dir */
  pipArgs?: string[];
  /** pip runs allowed when requirements pip's own markers skipped must be added for the target (default 3) */
  maxRounds?: number;
}

// pip must never wait for a password prompt or refuse because no venv is active: this is a dry run
const PIP_RUN_ENV = { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PIP_REQUIRE_VIRTUALENV: 'false', PYTHONUTF8: '1' };

export async function resolveWithPip(opts: RefereeOptions): Promise<RefereeOutcome> {
  const started = performance.now();
  const deadline = Date.now() + opts.timeoutMs;
  const elapsed = () => (performance.now() - started) / 1000;
  const env = { ...(opts.env ?? process.env), ...PIP_RUN_ENV };
  const runner = opts.pip ?? await choosePip(opts.target, { python: opts.python, timeoutMs: opts.timeoutMs, env });
  const withFlags = runner.targetFlags.length > 0;
  const provenance: RefereeProvenance = {
    pip: {
      how: runner.how, version: runner.pipVersion, python: runner.python, pythonVersion: runner.pythonVersion,
      platformFlags: withFlags, description: runner.description,
    },
  };
  // with platform flags pip evaluates markers for its own interpreter; requirement lines are decided here for the target
  const targetEnv: MarkerEnvironment = markerEnvironment(opts.target.python, opts.target.platform);
  let requirements = withFlags ? opts.requirements.flatMap((line) => forTarget(line, targetEnv)) : [...opts.requirements];
  /** names added at the top level in later rounds: not requested by the caller */
  const added = new Set<string>();
  const maxRounds = opts.maxRounds ?? 3;
  const callerRoots = new Set(opts.requirements.flatMap((l) => { try { return [normalizeName(parseRequirement(l).name)]; } catch { return []; } }));
  const dir = await mkdtemp(join(tmpdir(), 'tfdoctor-referee-'));
  const configPromise = pipConfig(runner, env, Math.max(1, Math.min(30_000, deadline - Date.now())));
  try {
    for (let round = 1; ; round++) {
      const reqFile = join(dir, 'requirements.txt');
      const conFile = join(dir, 'constraints.txt');
      const reportFile = join(dir, 'report.json');
      await writeFile(reqFile, requirements.join('\n') + '\n');
      const args = [...runner.entry, 'install', '--dry-run', '--ignore-installed', '--report', reportFile, '--only-binary=:all:',
        '--progress-bar', 'off', ...runner.targetFlags, ...(opts.pipArgs ?? [])];
      if (opts.constraints?.length) {
        await writeFile(conFile, opts.constraints.join('\n') + '\n');
        args.push('-c', conFile);
      }
      args.push('-r', reqFile);
      const command = [runner.python, ...args].map((a) => (a.startsWith(dir) ? a.slice(dir.length + 1) : a));
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { ...provenance, kind: 'timeout', seconds: elapsed(), command };
      const run = await runProcess(runner.python, args, { env, timeoutMs: remaining, cwd: dir });
      provenance.config = await configPromise;
      if (run.timedOut) return { ...provenance, kind: 'timeout', seconds: elapsed(), command };
      const common = { pipVersion: runner.pipVersion, seconds: elapsed(), command, stderr: run.stderr };
      if (run.spawnError) return { ...provenance, ...common, kind: 'pip-error', detail: `could not start ${runner.python}: ${run.spawnError}` };
      if (run.code !== 0) {
        const failure = classifyPipFailure(run.stdout, run.stderr);
        switch (failure.kind) {
          case 'conflict': return { ...provenance, ...common, kind: 'conflict', causes: failure.causes };
          case 'no-distribution': {
            if (failure.versionsSeen.length === 0) {
              // "(from versions: none)" is also what an unreachable index looks like when pip does not retry
              const unreachable = await whyNoVersions(runner, failure.requirement, opts, env, deadline - Date.now());
              if (unreachable) return { ...provenance, ...common, kind: 'index-error', url: unreachable.url, detail: `pip could not fetch ${unreachable.url}: ${unreachable.reason}` };
            }
            return { ...provenance, ...common, kind: 'no-distribution', requirement: failure.requirement, versionsSeen: failure.versionsSeen,
              ...(failure.ignoredForPython.length ? { ignoredForPython: failure.ignoredForPython } : {}) };
          }
          case 'index-error': return { ...provenance, ...common, kind: 'index-error', url: failure.url, detail: failure.detail };
          case 'unknown': return { ...provenance, ...common, kind: 'pip-error', detail: failure.detail };
        }
      }
      let report;
      try {
        report = parseReport(await readFile(reportFile, 'utf8'));
      } catch (e) {
        const detail = e instanceof ReportError ? e.message : `pip wrote no report: ${(e as Error).message}`;
        return { ...provenance, ...common, kind: 'pip-error', detail };
      }
      // without flags pip ran on the target interpreter: its own environment is the target's, exactly
      const reading = readReport(report, withFlags ? targetEnv : report.environment);
      if (withFlags && reading.missing.length > 0 && round < maxRounds) {
        // pip's markers skipped requirements the target has: name them at the top level and resolve again
        const lines = reading.missing.map(({ requirement: r }) => `${r.name}${r.extras.length ? `[${r.extras.join(',')}]` : ''}${r.url ? ` @ ${r.url}` : r.specifier}`);
        for (const { requirement: r } of reading.missing) added.add(normalizeName(r.name));
        requirements = [...requirements, ...lines.filter((l) => !requirements.includes(l))];
        continue;
      }
      if (withFlags && reading.missing.length > 0) {
        const what = reading.missing.map((m) => `${m.requirement.name} (required by ${m.from})`).join(', ');
        return { ...provenance, ...common, kind: 'pip-error', detail: `after ${round} rounds pip's closure still lacks what the target's markers require: ${what}` };
      }
      const pruned = withFlags ? reading.unreachable : [];
      return {
        ...provenance,
        kind: 'resolved',
        packages: reading.packages.filter((p) => !pruned.includes(p.name)).map((p) => (added.has(p.name) && !callerRoots.has(p.name) ? { ...p, requested: false } : p)),
        pipVersion: report.pipVersion || runner.pipVersion,
        seconds: elapsed(),
        command,
        rounds: round,
        ...(withFlags ? { markerDrift: reading.drift } : {}),
        ...(pruned.length ? { pruned } : {}),
      };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Asks pip again, verbosely and for the bare project only, whether it failed to fetch an index page. */
async function whyNoVersions(runner: PipRunner, requirement: string, opts: RefereeOptions, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ url: string; reason: string } | null> {
  if (timeoutMs <= 0) return null;
  let name: string;
  try { name = parseRequirement(requirement).name; } catch { return null; }
  const args = [...runner.entry, 'install', '--dry-run', '--ignore-installed', '--no-deps', '--only-binary=:all:', '--progress-bar', 'off', '-vv',
    ...runner.targetFlags, ...(opts.pipArgs ?? []), name];
  const r = await runProcess(runner.python, args, { env, timeoutMs: Math.min(timeoutMs, 60_000) });
  return fetchFailures(`${r.stdout}\n${r.stderr}`)[0] ?? null;
}

/** A requirement line for the target: its marker decided here, dropped when false, removed when true. */
function forTarget(line: string, env: MarkerEnvironment): string[] {
  let req;
  try { req = parseRequirement(line); } catch { return [line]; }
  if (!req.marker) return [line];
  if (!evaluateMarker(req.marker, env)) return [];
  return [line.slice(0, line.indexOf(';')).trim()];
}

const configCache = new Map<string, Promise<string[]>>();

/** pip's configuration as `pip config list` shows it, and the lines of the constraint files it names (once per pip and PIP_* settings). */
function pipConfig(runner: PipRunner, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string[]> {
  const key = JSON.stringify([runner.python, runner.entry, Object.entries(env).filter(([k]) => k.startsWith('PIP_')).sort()]);
  let found = configCache.get(key);
  if (!found) {
    found = readPipConfig(runner, env, timeoutMs);
    configCache.set(key, found);
  }
  return found;
}

async function readPipConfig(runner: PipRunner, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string[]> {
  const r = await runProcess(runner.python, [...runner.entry, 'config', 'list'], { env, timeoutMs });
  if (r.code !== 0) return [`(pip config list failed: ${r.stderr.trim().split('\n').at(-1) ?? ''})`];
  const lines = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const out = [...lines];
  for (const line of lines) {
    const m = /^[^=]*\.constraint='?([^']*)'?$/.exec(line);
    if (!m) continue;
    for (const file of m[1]!.split(/\s+/).filter(Boolean)) {
      const text = await readFile(file, 'utf8').catch(() => null);
      const content = text === null ? '(unreadable)' : text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).join('; ');
      out.push(`constraint file ${file}: ${content}`);
    }
  }
  return out;
}
