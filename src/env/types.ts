// The data every layer shares about a Python environment. Producers: env/probe (a real
// interpreter) and env/requirements (a planned env from a requirements file). Consumers:
// diagnose (rules), report, patch (locating files through RECORD).

/** One installed (or planned) distribution. */
export interface Distribution {
  /** PEP 503-normalised name, e.g. "tensorflow-addons" */
  name: string;
  /** name as written in METADATA (or the requirements line) */
  displayName: string;
  /** PEP 440 version string as installed / pinned */
  version: string;
  /** INSTALLER file content ("pip", "conda", "uv", ...) or null when absent / planned */
  installer: string | null;
  /** the site-packages (or other sys.path entry) holding its .dist-info; null when planned */
  location: string | null;
  /** absolute path of its .dist-info (or .egg-info) folder; null when planned */
  metadataDir: string | null;
  /** RECORD paths, relative to `location`, as written in RECORD; [] when none / planned, or left out (EnvSnapshot.filesOmitted) */
  files: string[];
  /** top-level import packages it provides (top_level.txt, else derived from RECORD) */
  importPackages: string[];
  /** Requires-Dist lines from METADATA (raw PEP 508 strings) */
  requires: string[];
  /** Requires-Python from METADATA, if any */
  requiresPython: string | null;
  /** set when a conda-meta/*.json record owns it (conda envs) */
  condaOwned?: boolean;
}

export interface PythonInfo {
  /** "3.11.7" */
  version: string;
  /** "cpython", "pypy", ... (sys.implementation.name) */
  implementation: string;
  /** the interpreter path that was probed */
  executable: string;
}

export interface PlatformInfo {
  /** sys.platform: "linux", "darwin", "win32" */
  system: string;
  /** platform.machine(): "x86_64", "aarch64", "arm64", "AMD64" */
  machine: string;
}

export type EnvKind = 'venv' | 'conda' | 'interpreter' | 'requirements';

/** A snapshot of an environment, real (probed) or planned (requirements file). */
export interface EnvSnapshot {
  kind: EnvKind;
  /** where it came from, for the report: interpreter path, env dir, or requirements file */
  source: string;
  python: PythonInfo;
  platform: PlatformInfo;
  /** sys.prefix; null for a planned env */
  prefix: string | null;
  /** site-packages dirs (site.getsitepackages() + user site when enabled) */
  sitePackages: string[];
  /** keyed by normalised name; when several dist-infos share a name, the first on sys.path wins and the rest are in `shadowed` */
  distributions: Record<string, Distribution>;
  /** dist-infos hidden behind a same-named one earlier on sys.path */
  shadowed: Distribution[];
  /** only the behaviour-changing variables: TF_USE_LEGACY_KERAS, KERAS_BACKEND, PYTHONPATH, ... */
  envVars: Record<string, string>;
  /** true when built from a requirements file: file ownership facts (RECORD) are unknown */
  planned: boolean;
  /** planned envs only: requirement lines without an exact pin (name + PEP 440 specifier), version unknown */
  unpinned?: { name: string; specifier: string; line: number; /** the file the line is in (-r includes) */ file?: string }[];
  /** conda envs: the conda-meta folder */
  condaMeta?: string;
  /**
   * Files that more than one distribution's RECORD lists, when computed in advance (src/env/overlaps.ts):
   * a snapshot from the env snapshot cache carries these instead of the file lists.
   */
  recordOverlaps?: RecordOverlap[];
  /**
   * true when the distributions' `files` were left out (a snapshot read from the env snapshot cache,
   * src/env/snapshot-cache.ts, which only `check` asks for): what the file lists tell is in
   * `importPackages` and `recordOverlaps`.
   */
  filesOmitted?: true;
}

/** A group of files (paths inside one sys.path entry) that the RECORDs of the same distributions all list. */
export interface RecordOverlap {
  /** normalised names of the distributions whose RECORDs list every file of the group */
  owners: string[];
  files: string[];
}
