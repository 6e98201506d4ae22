// The compatibility matrix as typed data (matrix/*.yaml after validation by load.ts).

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

export type RouteId = 'onnx-tf' | 'onnx2tf' | 'litert-torch' | 'native';
export const ROUTE_IDS: readonly RouteId[] = ['onnx-tf', 'onnx2tf', 'litert-torch', 'native'];

export type EvidenceKind = 'release-notes' | 'issue' | 'source' | 'docs';
export const EVIDENCE_KINDS: readonly EvidenceKind[] = ['release-notes', 'issue', 'source', 'docs'];

export interface Evidence {
  kind: EvidenceKind;
  /** URL, repo#issue, or "<dist>-<version>:<path inside the wheel>" for package source */
  ref: string;
  note: string;
}

export type FixKind = 'pin' | 'patch' | 'env' | 'export-option' | 'route';
export const FIX_KINDS: readonly FixKind[] = ['pin', 'patch', 'env', 'export-option', 'route'];

/**
 * A pin fix as data (matrix/rules.yaml `install` / `remove` / `separate_env`): what pip installs and
 * uninstalls, or the separate venv the pins belong in. In a rule the strings are templates; in a
 * finding they are rendered. The pip line is written from this by src/report/pin-command.ts only.
 */
export interface PinSpec {
  /** requirement name (extras allowed: "onnx2tf[tensorflow]") -> PEP 440 specifier ("==1.18.0", "=={pin:tf-keras}", "{requires}"; "" = any version) */
  install: Record<string, string>;
  /** distributions to uninstall first (a list placeholder such as {provider_names} expands to several) */
  remove: string[];
  /** the pins need a separate venv: made with python<python> ("" = python3) in folder <dir> */
  separateEnv?: { python: string; dir: string };
}

export interface Fix {
  kind: FixKind;
  /** the exact text to run or write (templated); for a pin fix, written from `pin` by the one formatter */
  command: string;
  /** pin fixes: what to install / remove, as data */
  pin?: PinSpec;
  /** patch fixes: the patch id under patches/ */
  patch?: string;
  /** route fixes: the route to switch to */
  route?: RouteId;
  /** env fixes: the variable */
  env?: string;
  note?: string;
}

/** What a deep probe (a real import) shows when the rule is right. */
export interface Observation {
  module: string;
  /** exception class name, e.g. ModuleNotFoundError */
  error: string;
  /** a substring of the exception message */
  message: string;
}

/**
 * The condition kinds and what each holds: the one registry of kinds. A condition is an object with
 * one of these keys (its kind) and that value; each evaluates to a list of bindings (empty = false).
 * The loader (load.ts) and the evaluator (diagnose/conditions.ts) map over these keys, so a kind
 * added here without a reader or an evaluator does not compile. See matrix/README.md.
 */
export interface ConditionArgs {
  all: Condition[];
  any: Condition[];
  not: Condition;
  installed: string;
  missing: string;
  version: { package: string; spec: string };
  python: string;
  platform: { system?: string; machine?: string };
  env: { name: string; equals?: string[]; set?: boolean };
  planned: boolean;
  minor_mismatch: { package: string; with: string };
  constraint_violated: { package?: string; dependency?: string };
  python_unsupported: { package?: string };
  duplicate_providers: ImportFilter;
  record_overlap: ImportFilter;
  export_op_gaps: { target: 'onnx-tf' };
}

export type ConditionKind = keyof ConditionArgs;

/** A condition of kind K: `{ K: ConditionArgs[K] }`. */
export type ConditionOf<K extends ConditionKind> = { [P in K]: ConditionArgs[P] };

export type Condition = { [K in ConditionKind]: ConditionOf<K> }[ConditionKind];

/** Which import packages a duplicate/overlap condition looks at: one, or all tracked ones except some. */
export interface ImportFilter {
  import?: string;
  exclude?: string[];
}

/** The conditions a kind combines (all, any, not); a record over every kind, so none is forgotten. */
const PARTS: { [K in ConditionKind]: (args: ConditionArgs[K]) => readonly Condition[] } = {
  all: (parts) => parts,
  any: (parts) => parts,
  not: (part) => [part],
  installed: () => [], missing: () => [], version: () => [], python: () => [], platform: () => [], env: () => [],
  planned: () => [], minor_mismatch: () => [], constraint_violated: () => [], python_unsupported: () => [],
  duplicate_providers: () => [], record_overlap: () => [], export_op_gaps: () => [],
};

/**
 * Whether a kind, once true for some packages, stays true when more packages are added (the lock solver
 * judges such rules on partial choices). all / any hold when their parts do; a record, so a new kind
 * must say.
 */
const GROWS_TRUE: { [K in ConditionKind]: boolean } = {
  all: true, any: true, not: false, installed: true, missing: false, version: true, python: true, platform: true,
  env: true, planned: false, minor_mismatch: true, constraint_violated: true, python_unsupported: false,
  duplicate_providers: true, record_overlap: true, export_op_gaps: true,
};

/** True when adding packages can never make `c` false once it is true. */
export function staysTrueWhenPackagesAdded(c: Condition): boolean {
  return GROWS_TRUE[conditionKind(c)] && conditionParts(c).every(staysTrueWhenPackagesAdded);
}

/**
 * The packages (matrix names: a family or a distribution) whose presence or version a condition of each
 * kind reads, or 'any' when it looks over the whole env. The lock solver backjumps over choices a failed
 * rule did not read; a record, so a new kind must say.
 */
const READS: { [K in ConditionKind]: (args: ConditionArgs[K]) => readonly string[] | 'any' } = {
  all: () => [], any: () => [], not: () => [],
  installed: (name) => [name], missing: (name) => [name], version: (v) => [v.package],
  python: () => [], platform: () => [], env: () => [], planned: () => [],
  minor_mismatch: (m) => [m.package, m.with],
  constraint_violated: (f) => (f.package && f.dependency ? [f.package, f.dependency] : 'any'),
  python_unsupported: (f) => (f.package ? [f.package] : 'any'),
  duplicate_providers: () => 'any', record_overlap: () => 'any', export_op_gaps: () => 'any',
};

/** Every package a condition (with its parts) reads, or 'any'. */
export function packagesRead(c: Condition): ReadonlySet<string> | 'any' {
  const kind = conditionKind(c);
  const own = (READS[kind] as (args: unknown) => readonly string[] | 'any')(conditionArgs(c, kind));
  if (own === 'any') return 'any';
  const out = new Set(own);
  for (const part of conditionParts(c)) {
    const r = packagesRead(part);
    if (r === 'any') return 'any';
    for (const n of r) out.add(n);
  }
  return out;
}

/** Every condition kind, in the order of the registry. */
export const CONDITION_KINDS = Object.keys(PARTS) as readonly ConditionKind[];

/** A condition's kind (its one key). */
export function conditionKind(c: Condition): ConditionKind {
  return Object.keys(c)[0] as ConditionKind;
}

/** What a condition of kind K holds. */
export function conditionArgs<K extends ConditionKind>(c: Condition, kind: K): ConditionArgs[K] {
  return (c as unknown as ConditionArgs)[kind];
}

/** The conditions directly inside a condition ([] unless it is all, any or not). */
export function conditionParts(c: Condition): readonly Condition[] {
  return partsOf(conditionKind(c), c);
}

function partsOf<K extends ConditionKind>(kind: K, c: Condition): readonly Condition[] {
  return (PARTS[kind] as (args: ConditionArgs[K]) => readonly Condition[])(conditionArgs(c, kind));
}

export interface Rule {
  code: string;
  severity: Severity;
  title: string;
  /** templated: {name} from the condition's bindings, {version:dist}, {python} */
  message: string;
  /** distributions the finding concerns (reported with their versions) */
  packages: string[];
  when: Condition;
  evidence: Evidence[];
  /** "test/real-env/check-x.test.ts#test name" */
  provenBy?: string;
  unproven?: boolean;
  blocks: RouteId[];
  observe: Observation[];
  fixes: Fix[];
  /** file:line of the rule, for messages about the matrix itself */
  origin: string;
}

/** A family of distributions that install the same import package (tensorflow, tensorflow-cpu ... -> tensorflow). */
export interface Family {
  /** the canonical distribution name conditions use */
  name: string;
  import: string;
  /** PEP 503-normalised distribution names, canonical first */
  distributions: string[];
  evidence: Evidence[];
}

/** A package version range's Python support (tested builds / Requires-Python / wheel tags). */
export interface PythonSupport {
  package: string;
  versions: string;
  python: string;
  evidence: Evidence[];
}

/** A dependency range a package version needs (from its METADATA Requires-Dist, or import-time checks). */
export interface Constraint {
  package: string;
  versions: string;
  dependency: string;
  requires: string;
  /** the version `{pin:package}` suggests when this constraint is the best match for the installed dependency */
  pin?: string;
  /** true when the dependency is not declared in METADATA (pip won't enforce it) */
  undeclared?: boolean;
  evidence: Evidence[];
}

export interface RouteSpec {
  id: RouteId;
  title: string;
  /** what the route is, one line */
  summary: string;
  /** always shown with the verdict (e.g. native: model-level blockers are not visible to check) */
  note?: string;
}

export interface Matrix {
  /** the folder it was loaded from */
  dir: string;
  families: Family[];
  pythonSupport: PythonSupport[];
  constraints: Constraint[];
  routes: RouteSpec[];
  rules: Rule[];
}
