// Typed data of the `lock` solver: the target, facts read from the package index, pip's resolution
// (the referee), and the plan. Producers: src/pyindex (index facts), src/lock/referee (pip),
// src/lock/solve (the solver). Consumers: src/lock/explain, src/lock/write, the reporters.
import type { PlannedPlatform } from '../env/markers.js';

/** What an environment is solved for. */
export interface Target {
  /** "3.11" (a minor; markers use X.Y, wheel tags cpXY) */
  python: string;
  platform: PlannedPlatform;
}

/** One distribution file of a release, as the index lists it. */
export interface IndexFile {
  filename: string;
  url: string;
  /** Requires-Python as the index states it (data-requires-python), '' when absent */
  requiresPython: string;
  /** the index serves the METADATA file separately (PEP 658 / 714) */
  hasMetadata: boolean;
  /** sha256 from the index, when given */
  sha256?: string;
  yanked: boolean;
}

/** A release of a project and its files, from every configured source (index-url, extra-index-url, find-links). */
export interface IndexRelease {
  version: string;
  files: IndexFile[];
}

export interface IndexProject {
  /** PEP 503-normalised */
  name: string;
  releases: IndexRelease[];
  /** which sources answered (URLs / folders), for evidence */
  sources: string[];
}

/** The core metadata of one release (read from one of its wheels' METADATA). */
export interface ReleaseMetadata {
  name: string;
  version: string;
  requiresPython: string;
  /** raw PEP 508 Requires-Dist strings */
  requiresDist: string[];
  /** the file it was read from, for evidence */
  from: string;
}

/** Read-only facts about the index, answered from the cache or the network. */
export interface IndexFacts {
  project(name: string): Promise<IndexProject | null>;
  metadata(name: string, version: string): Promise<ReleaseMetadata | null>;
}

/** One package of pip's resolution (from `pip install --dry-run --report`). */
export interface ResolvedPackage {
  /** PEP 503-normalised */
  name: string;
  displayName: string;
  version: string;
  /** requested on the command line / in the requirements (a root) */
  requested: boolean;
  requiresDist: string[];
  requiresPython: string;
  /** the file pip chose */
  url: string;
  /** normalised names of the packages whose requirements pulled this one in (from the report's metadata) */
  via: string[];
}

/** A Requires-Dist marker that pip evaluated differently than the target would: pip evaluates markers
 *  with the interpreter that runs it, whatever --python-version / --platform say (pypa/pip#11664). */
export interface MarkerDrift {
  /** normalised name of the package that declares the requirement */
  from: string;
  requirement: string;
  /** it applies for the target */
  target: boolean;
  /** it applied as pip evaluated it */
  pip: boolean;
}

/** Which pip refereed, and the user's pip configuration it ran with (shown for transparency). */
export interface RefereeProvenance {
  pip?: {
    /** own: the target interpreter's pip; wheel: a known-good pip run from its wheel file */
    how: 'own' | 'wheel';
    version: string;
    /** the interpreter that ran pip, and its version */
    python: string;
    pythonVersion: string;
    /** pip ran with --python-version / --platform flags (markers then evaluate for pip's interpreter) */
    platformFlags: boolean;
    description: string;
  };
  /** pip's configuration in effect (`pip config list`), plus the lines of each constraint file it names */
  config?: string[];
}

export type RefereeOutcome = RefereeProvenance & (
  | {
    kind: 'resolved'; packages: ResolvedPackage[]; pipVersion: string; seconds: number; command: string[];
    /** pip runs it took: > 1 when requirements pip's own markers skipped had to be added for the target */
    rounds?: number;
    /** marker evaluations where pip's interpreter and the target differ (only with platform flags) */
    markerDrift?: MarkerDrift[];
    /** packages pip resolved that nothing pulls in for the target (left out of `packages`) */
    pruned?: string[];
    /** set by verifyFiles: files that answered, and those it could not settle (not 404/410, e.g. 401, timeout) */
    filesVerified?: { ok: number; unverified: { url: string; reason: string }[] };
  }
  /** the requirements conflict (pip's ResolutionImpossible): the lines pip gave as the cause */
  | { kind: 'conflict'; causes: string[]; pipVersion: string; seconds: number; command: string[]; stderr: string }
  /** no release of a package fits the target (no matching distribution) */
  | {
    kind: 'no-distribution'; requirement: string; versionsSeen: string[]; pipVersion: string; seconds: number; command: string[]; stderr: string;
    /** pip >= 23.3: "2.0.0 Requires-Python >=3.12", the versions left out for their Requires-Python */
    ignoredForPython?: string[];
  }
  /** the index lists a file it cannot deliver (or pip cannot reach the index) */
  | {
    kind: 'index-error'; url: string | null; detail: string; pipVersion: string; seconds: number; command: string[]; stderr: string;
    /** files pip chose that the index lists but cannot serve (the plan itself is compatible) */
    missingFiles?: string[];
  }
  /** pip failed in a way none of the above describes (its last ERROR line in detail) */
  | { kind: 'pip-error'; detail: string; pipVersion: string; seconds: number; command: string[]; stderr: string }
  | { kind: 'timeout'; seconds: number; command: string[] }
);

/** A `--with` requirement (parsed once, by the CLI): a package the env must contain, with its version specifier. */
export interface WithRequirement {
  /** PEP 503-normalised */
  name: string;
  displayName: string;
  extras: string[];
  /** '' when any version will do */
  specifier: string;
  /** the requirement as given (trimmed): what pip is handed */
  text: string;
}
