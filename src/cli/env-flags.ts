// The flags that say which environment a command acts on, shared by every command: an installed env
// (--python / --venv / --conda-env / --prefix) or, where the command can work on a plan, a requirements
// file with the Python and platform it is for (--requirements / --python-version / --platform). And,
// for commands that solve for a target rather than read an env, --python X.Y / --platform / --with.
// Flags are parsed and checked here once; the env is read by src/env.
import type { Command } from 'commander';
import { resolveTarget, type TargetOptions } from '../env/discover.js';
import { MarkerSyntaxError, type PlannedPlatform } from '../env/markers.js';
import { normalizeName } from '../env/names.js';
import { probeEnvironmentCached } from '../env/cached-probe.js';
import { parseRequirement, RequirementSyntaxError, snapshotFromRequirements } from '../env/requirements.js';
import { currentPlatform, parsePlatform, parsePythonVersion } from '../env/target.js';
import type { EnvSnapshot } from '../env/types.js';
import type { Target, WithRequirement } from '../lock/types.js';
import { isValidSpecifier } from '../matrix/pep440.js';
import { UserError } from '../util/errors.js';

/** The flags that name an installed env: --python, --venv, --conda-env, --prefix (at most one). */
export type InstalledEnvFlags = TargetOptions;

/** Installed-env flags plus those of a planned env (a requirements file). */
export interface EnvFlags extends InstalledEnvFlags {
  requirements?: string;
  pythonVersion?: string;
  platform?: string;
}

/** Which env a command acts on, checked. */
export type EnvSelection =
  | { kind: 'installed'; target: TargetOptions }
  | { kind: 'planned'; requirements: string; pythonVersion: string; platform?: PlannedPlatform };

export interface EnvFlagOptions {
  /** also --requirements / --python-version / --platform (a planned env, read from a requirements file) */
  planned?: boolean;
}

const INSTALLED_KEYS = ['python', 'venv', 'condaEnv', 'prefix'] as const;

/** Adds the env flags to a command. */
export function addEnvFlags(cmd: Command, opts: EnvFlagOptions = {}): Command {
  cmd
    .option('--python <path>', 'the interpreter of the env')
    .option('--venv <dir>', 'a venv folder (holds pyvenv.cfg)')
    .option('--conda-env <name>', 'a conda env by name')
    .option('--prefix <dir>', 'a conda env folder (holds conda-meta/)');
  if (opts.planned) {
    cmd
      .option('--requirements <file>', 'a planned env instead: a requirements.txt or `pip freeze` output (no Python needed)')
      .option('--python-version <x.y>', 'with --requirements: the Python the env will have (required)')
      .option('--platform <system-machine>', 'with --requirements: e.g. linux-x86_64, darwin-arm64, win32-amd64 (default: this machine)');
  }
  return cmd;
}

/**
 * The env the parsed flags select; a UserError for a combination that makes no sense.
 * `command` names the command in hints ("check", "fix").
 */
export function envSelection(flags: EnvFlags, command: string): EnvSelection {
  const installed = INSTALLED_KEYS.filter((k) => flags[k] !== undefined);
  if (flags.requirements !== undefined) {
    if (installed.length > 0) throw new UserError('--requirements cannot be combined with --python, --venv, --conda-env or --prefix');
    if (flags.pythonVersion === undefined) {
      throw new UserError('--requirements needs --python-version X.Y (the Python the planned env will have)',
        `e.g. tfdoctor ${command} --requirements examples/seed-env.txt --python-version 3.10`);
    }
    return {
      kind: 'planned',
      requirements: flags.requirements,
      pythonVersion: parsePythonVersion(flags.pythonVersion),
      ...(flags.platform !== undefined ? { platform: parsePlatform(flags.platform) } : {}),
    };
  }
  if (flags.pythonVersion !== undefined) throw new UserError('--python-version only applies with --requirements (a real env reports its own Python)');
  if (flags.platform !== undefined) throw new UserError('--platform only applies with --requirements (a real env reports its own platform)');
  const target: TargetOptions = {};
  for (const k of installed) target[k] = flags[k];
  return { kind: 'installed', target };
}

export interface SelectedEnv {
  snapshot: EnvSnapshot;
  /** for reports: how the env was chosen */
  description: string;
  /** the interpreter that was probed; null for a planned env */
  interpreter: string | null;
}

export interface ReadEnvOptions {
  /**
   * An installed env through the env snapshot cache (src/env/cached-probe.ts): the snapshot may then
   * come without file lists (filesOmitted). Only for commands that need no more than `check` does.
   */
  cache?: boolean;
  /** told what the cache did ("hit", "stored", or why not) */
  onCache?: (note: string) => void;
}

/** Reads the selected env: probes an installed one, or reads the requirements file of a planned one. */
export async function readSelectedEnv(
  selection: EnvSelection, onResolved?: (description: string) => void, opts: ReadEnvOptions = {},
): Promise<SelectedEnv> {
  if (selection.kind === 'planned') {
    const snapshot = await snapshotFromRequirements(selection.requirements, {
      pythonVersion: selection.pythonVersion, ...(selection.platform ? { platform: selection.platform } : {}),
    });
    return { snapshot, description: `planned env ${selection.requirements} (Python ${selection.pythonVersion})`, interpreter: null };
  }
  const target = await resolveTarget(selection.target);
  onResolved?.(target.description);
  if (opts.cache) {
    const read = await probeEnvironmentCached(target);
    opts.onCache?.(`env snapshot cache: ${read.cache} (${read.file})`);
    return { snapshot: read.snapshot, description: target.description, interpreter: target.interpreter };
  }
  const { probeEnvironment } = await import('../env/probe.js');
  return { snapshot: await probeEnvironment(target), description: target.description, interpreter: target.interpreter };
}

// ---------------------------------------------------------------- a target to solve for (lock)

export interface TargetFlags {
  /** X.Y: the Python the env is solved for */
  python?: string;
  platform?: string;
  with?: string[];
}


/** Adds --python X.Y, --platform and --with (repeatable) to a command that solves for a target. */
export function addTargetFlags(cmd: Command): Command {
  return cmd
    .option('--python <x.y>', 'the Python the env is for, e.g. 3.11')
    .option('--platform <system-machine>', 'the platform the env is for: e.g. linux-x86_64, darwin-arm64, win32-amd64 (default: this machine)')
    .option('--with <requirement>', 'a package the env must hold, e.g. "torch==2.13.0"; repeatable',
      (v: string, prev: string[] = []) => [...prev, v]);
}

/** The target and the --with requirements the parsed flags name; a UserError for a malformed value. */
export function targetFromFlags(flags: TargetFlags): { target: Target; with: WithRequirement[] } {
  if (flags.python === undefined) throw new UserError('--python X.Y is required (the Python the env is for)', 'e.g. --python 3.11');
  const version = parsePythonVersion(flags.python, '--python');
  const minor = version.split('.').slice(0, 2).join('.');
  const platform = flags.platform !== undefined ? parsePlatform(flags.platform) : currentPlatform();
  return { target: { python: minor, platform }, with: (flags.with ?? []).map(parseWith) };
}

function parseWith(text: string): WithRequirement {
  let req;
  try {
    req = parseRequirement(text);
  } catch (err) {
    if (err instanceof RequirementSyntaxError || err instanceof MarkerSyntaxError) throw new UserError(`--with ${JSON.stringify(text)}: ${err.message}`);
    throw err;
  }
  if (req.url !== undefined || req.marker !== undefined) {
    throw new UserError(`--with ${JSON.stringify(text)}: only a name and version specifiers are allowed (no URL, no marker)`, 'e.g. --with "torch==2.13.0"');
  }
  if (req.specifier && !isValidSpecifier(req.specifier)) {
    throw new UserError(`--with ${JSON.stringify(text)}: "${req.specifier}" is not a PEP 440 version specifier`, 'e.g. --with "torch==2.13.0"');
  }
  return { name: normalizeName(req.name), displayName: req.name, extras: req.extras, specifier: req.specifier, text: text.trim() };
}
