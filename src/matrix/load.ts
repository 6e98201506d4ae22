// Loads matrix/*.yaml and validates it against the schema in types.ts. A malformed file fails
// with one line: `matrix/rules.yaml:LINE: what is wrong`.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Document, LineCounter, Node, YAMLMap } from 'yaml';
import { cacheKey, readCached, writeCached, yaml } from '../util/parsed-cache.js';
import { UserError } from '../util/errors.js';
import { packagePath } from '../util/package-root.js';
import { isValidSpecifier, isValidVersion } from './pep440.js';
import { pinCommand } from '../report/pin-command.js';
import {
  CONDITION_KINDS, EVIDENCE_KINDS, FIX_KINDS, ROUTE_IDS, SEVERITIES,
  type Condition, type ConditionArgs, type ConditionKind, type ConditionOf, type Constraint, type ImportFilter, type Evidence, type Family, type Fix, type Matrix, type Observation,
  type PinSpec, type PythonSupport, type Rule, type RouteId, type RouteSpec, type Severity,
} from './types.js';

/** The matrix shipped with the package (<package root>/matrix). */
export function defaultMatrixDir(): string {
  return packagePath('matrix') + sep;
}

export class MatrixError extends UserError {}

const CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const PATCH_ID = /^[a-z0-9][a-z0-9.-]*$/;

/** Reads one YAML file's text into a validated fragment. Exported for tests. */
export function parseMatrixFile(displayName: string, text: string): Partial<Omit<Matrix, 'dir'>> {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const ctx = new Ctx(displayName, lc, doc);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lc.linePos(e.pos[0]).line;
    throw new MatrixError(`${displayName}:${line}: invalid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const root = doc.contents;
  if (!yaml().isMap(root)) ctx.fail(root, 'expected a mapping at the top (families, python_support, constraints, routes, rules)');
  const out: Partial<Omit<Matrix, 'dir'>> = {};
  for (const [key, value] of ctx.entries(root, ['families', 'python_support', 'constraints', 'routes', 'rules'], [])) {
    const items = ctx.seq(value, key);
    switch (key) {
      case 'families': out.families = items.map((n) => readFamily(ctx, n)); break;
      case 'python_support': out.pythonSupport = items.map((n) => readPythonSupport(ctx, n)); break;
      case 'constraints': out.constraints = items.map((n) => readConstraint(ctx, n)); break;
      case 'routes': out.routes = items.map((n) => readRoute(ctx, n)); break;
      case 'rules': out.rules = items.map((n) => readRule(ctx, n)); break;
    }
  }
  return out;
}

/** The files that make up the matrix, in load order (other YAML in the folder belongs to other tables). */
export const MATRIX_FILES = ['packages.yaml', 'routes.yaml', 'rules.yaml'] as const;

/** Bumped whenever the parsed shape changes, so stale caches are never read. */
const PARSED_FORMAT = 2;

/**
 * Loads and validates the matrix files in `dir`. Parsing YAML with positions is the slowest part
 * of a static check, so the validated result is cached as JSON keyed by the files' content:
 * any edit to a YAML file means a fresh parse and validation.
 */
export async function loadMatrix(dir: string = defaultMatrixDir()): Promise<Matrix> {
  const texts: { name: string; path: string; text: string }[] = [];
  for (const name of MATRIX_FILES) {
    const path = join(dir, name);
    try {
      texts.push({ name, path, text: readFileSync(path, 'utf8') });
    } catch {
      throw new MatrixError(`cannot read ${displayPath(path)}`, 'pass --matrix DIR with the folder holding packages.yaml, routes.yaml and rules.yaml');
    }
  }
  const key = cacheKey('matrix', [String(PARSED_FORMAT), ...texts.flatMap((t) => [displayPath(t.path), t.text])]);
  const cached = readCached<Omit<Matrix, 'dir'>>(key);
  if (cached) return { ...cached, dir };
  const matrix: Matrix = { dir, families: [], pythonSupport: [], constraints: [], routes: [], rules: [] };
  for (const { path, text } of texts) {
    const part = parseMatrixFile(displayPath(path), text);
    matrix.families.push(...(part.families ?? []));
    matrix.pythonSupport.push(...(part.pythonSupport ?? []));
    matrix.constraints.push(...(part.constraints ?? []));
    matrix.routes.push(...(part.routes ?? []));
    matrix.rules.push(...(part.rules ?? []));
  }
  crossCheck(matrix);
  const { dir: _dir, ...parsed } = matrix;
  writeCached(key, parsed);
  return matrix;
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Checks that span files: unique codes, known routes, every route defined once. */
function crossCheck(m: Matrix): void {
  const seen = new Map<string, string>();
  for (const r of m.rules) {
    const prev = seen.get(r.code);
    if (prev) throw new MatrixError(`${r.origin}: duplicate rule code ${r.code} (first at ${prev})`);
    seen.set(r.code, r.origin);
  }
  for (const id of ROUTE_IDS) {
    if (!m.routes.some((r) => r.id === id)) throw new MatrixError(`${m.dir}: route ${id} is not described in any matrix file (routes:)`);
  }
  const providers = new Map<string, string>();
  for (const f of m.families) {
    for (const d of f.distributions) {
      const prev = providers.get(d);
      if (prev) throw new MatrixError(`${m.dir}: distribution ${d} is in two families (${prev}, ${f.name})`);
      providers.set(d, f.name);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// node readers

class Ctx {
  constructor(readonly file: string, readonly lc: LineCounter, readonly doc: Document) {}

  /** Follows a YAML alias (*name) to its anchored node. */
  r<T>(node: T): T {
    return (yaml().isAlias(node) ? node.resolve(this.doc) : node) as T;
  }

  line(node: Node | null | undefined): number {
    const offset = node?.range?.[0];
    return offset === undefined ? 1 : this.lc.linePos(offset).line;
  }

  origin(node: Node): string {
    return `${this.file}:${this.line(node)}`;
  }

  fail(node: Node | null | undefined, msg: string): never {
    throw new MatrixError(`${this.file}:${this.line(node)}: ${msg}`);
  }

  /** A mapping's entries, refusing unknown keys and requiring `required` ones. */
  entries(raw: unknown, allowed: string[] | 'any', required: string[], what = 'mapping'): [string, Node][] {
    const node = this.r(raw);
    if (!yaml().isMap(node)) this.fail(node as Node, allowed === 'any' ? `expected a ${what} mapping` : `expected a ${what} with keys ${allowed.join(', ')}`);
    const map = node as YAMLMap<unknown, unknown>;
    const out: [string, Node][] = [];
    for (const pair of map.items) {
      const k = pair.key;
      if (!yaml().isScalar(k) || typeof k.value !== 'string') this.fail(k as Node, 'keys must be plain strings');
      const key = k.value as string;
      if (allowed !== 'any' && !allowed.includes(key)) this.fail(k, `unknown key "${key}" in ${what} (allowed: ${allowed.join(', ')})`);
      if ((pair.value === null || pair.value === undefined) && allowed !== 'any') this.fail(k, `"${key}" has no value`);
      out.push([key, this.r(pair.value) as Node]);
    }
    for (const r of required) {
      if (!out.some(([k]) => k === r)) this.fail(map, `${what} is missing "${r}"`);
    }
    return out;
  }

  fields(node: unknown, allowed: string[], required: string[], what: string): Map<string, Node> {
    return new Map(this.entries(node, allowed, required, what));
  }

  str(raw: Node | undefined, what: string, pattern?: RegExp): string {
    const node = this.r(raw);
    if (!yaml().isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number')) this.fail(node, `${what} must be a string`);
    const s = String(node.value);
    if (s.trim() === '') this.fail(node, `${what} is empty`);
    if (pattern && !pattern.test(s)) this.fail(node, `${what} "${s}" does not match ${pattern}`);
    return s;
  }

  bool(raw: Node | undefined, what: string): boolean {
    const node = this.r(raw);
    if (!yaml().isScalar(node) || typeof node.value !== 'boolean') this.fail(node, `${what} must be true or false`);
    return node.value as boolean;
  }

  seq(raw: Node | undefined, what: string): Node[] {
    const node = this.r(raw);
    if (!yaml().isSeq(node)) this.fail(node, `${what} must be a list`);
    return (node.items as Node[]).map((n) => this.r(n));
  }

  strList(node: Node | undefined, what: string, pattern?: RegExp): string[] {
    return this.seq(node, what).map((n) => this.str(n, `${what} item`, pattern));
  }

  spec(node: Node | undefined, what: string): string {
    const s = this.str(node, what);
    if (!isValidSpecifier(s)) this.fail(node, `${what} "${s}" is not a PEP 440 specifier`);
    return s;
  }

  oneOf<T extends string>(node: Node | undefined, what: string, allowed: readonly T[]): T {
    const s = this.str(node, what);
    if (!allowed.includes(s as T)) this.fail(node, `${what} "${s}" is not one of ${allowed.join(', ')}`);
    return s as T;
  }
}

function readEvidence(ctx: Ctx, node: Node | undefined): Evidence[] {
  const list = ctx.seq(node, 'evidence');
  if (list.length === 0) ctx.fail(node, 'evidence must list at least one source');
  return list.map((n) => {
    const f = ctx.fields(n, ['kind', 'ref', 'note'], ['kind', 'ref', 'note'], 'evidence item');
    return {
      kind: ctx.oneOf(f.get('kind'), 'evidence kind', EVIDENCE_KINDS),
      ref: ctx.str(f.get('ref'), 'evidence ref'),
      note: ctx.str(f.get('note'), 'evidence note'),
    };
  });
}

function readFamily(ctx: Ctx, node: Node): Family {
  const f = ctx.fields(node, ['name', 'import', 'distributions', 'evidence'], ['name', 'import', 'distributions', 'evidence'], 'family');
  const name = ctx.str(f.get('name'), 'family name', NAME);
  const distributions = ctx.strList(f.get('distributions'), 'distributions', NAME);
  if (distributions[0] !== name) ctx.fail(f.get('distributions'), `the first distribution must be the family name ${name}`);
  return { name, import: ctx.str(f.get('import'), 'import', /^[A-Za-z_][A-Za-z0-9_]*$/), distributions, evidence: readEvidence(ctx, f.get('evidence')) };
}

function readPythonSupport(ctx: Ctx, node: Node): PythonSupport {
  const f = ctx.fields(node, ['package', 'versions', 'python', 'evidence'], ['package', 'versions', 'python', 'evidence'], 'python_support item');
  return {
    package: ctx.str(f.get('package'), 'package', NAME),
    versions: ctx.spec(f.get('versions'), 'versions'),
    python: ctx.spec(f.get('python'), 'python'),
    evidence: readEvidence(ctx, f.get('evidence')),
  };
}

function readConstraint(ctx: Ctx, node: Node): Constraint {
  const f = ctx.fields(node, ['package', 'versions', 'dependency', 'requires', 'pin', 'undeclared', 'evidence'],
    ['package', 'versions', 'dependency', 'requires', 'evidence'], 'constraint');
  const c: Constraint = {
    package: ctx.str(f.get('package'), 'package', NAME),
    versions: ctx.spec(f.get('versions'), 'versions'),
    dependency: ctx.str(f.get('dependency'), 'dependency', NAME),
    requires: ctx.spec(f.get('requires'), 'requires'),
    evidence: readEvidence(ctx, f.get('evidence')),
  };
  if (f.has('pin')) {
    c.pin = ctx.str(f.get('pin'), 'pin');
    if (!isValidVersion(c.pin)) ctx.fail(f.get('pin'), `pin "${c.pin}" is not a PEP 440 version`);
  }
  if (f.has('undeclared')) c.undeclared = ctx.bool(f.get('undeclared'), 'undeclared');
  return c;
}

function readRoute(ctx: Ctx, node: Node): RouteSpec {
  const f = ctx.fields(node, ['id', 'title', 'summary', 'note'], ['id', 'title', 'summary'], 'route');
  const r: RouteSpec = {
    id: ctx.oneOf(f.get('id'), 'route id', ROUTE_IDS),
    title: ctx.str(f.get('title'), 'title'),
    summary: ctx.str(f.get('summary'), 'summary'),
  };
  if (f.has('note')) r.note = ctx.str(f.get('note'), 'note');
  return r;
}

function readRule(ctx: Ctx, node: Node): Rule {
  const f = ctx.fields(node,
    ['code', 'severity', 'title', 'message', 'packages', 'when', 'evidence', 'proven_by', 'unproven', 'blocks', 'observe', 'fixes'],
    ['code', 'severity', 'title', 'message', 'when', 'evidence', 'fixes'], 'rule');
  const code = ctx.str(f.get('code'), 'code', CODE);
  const rule: Rule = {
    code,
    severity: ctx.oneOf<Severity>(f.get('severity'), 'severity', SEVERITIES),
    title: ctx.str(f.get('title'), 'title'),
    message: ctx.str(f.get('message'), 'message'),
    packages: f.has('packages') ? ctx.strList(f.get('packages'), 'packages', NAME) : [],
    when: readCondition(ctx, f.get('when')!),
    evidence: readEvidence(ctx, f.get('evidence')),
    blocks: f.has('blocks') ? ctx.seq(f.get('blocks'), 'blocks').map((n) => ctx.oneOf<RouteId>(n, 'blocked route', ROUTE_IDS)) : [],
    observe: f.has('observe') ? ctx.seq(f.get('observe'), 'observe').map((n) => readObservation(ctx, n)) : [],
    fixes: ctx.seq(f.get('fixes'), 'fixes').map((n) => readFix(ctx, n)),
    origin: ctx.origin(node),
  };
  if (f.has('proven_by')) rule.provenBy = ctx.str(f.get('proven_by'), 'proven_by', /^test\/real-env\/[\w./-]+\.test\.ts#.+$/);
  if (f.has('unproven')) {
    if (!ctx.bool(f.get('unproven'), 'unproven')) ctx.fail(f.get('unproven'), 'unproven may only be true (omit it when proven_by is given)');
    rule.unproven = true;
  }
  if (!!rule.provenBy === !!rule.unproven) ctx.fail(node, `rule ${code} needs exactly one of proven_by or unproven: true`);
  if (rule.fixes.length === 0) ctx.fail(f.get('fixes'), `rule ${code} needs at least one fix`);
  return rule;
}

function readObservation(ctx: Ctx, node: Node): Observation {
  const f = ctx.fields(node, ['module', 'error', 'message'], ['module', 'error', 'message'], 'observe item');
  return {
    module: ctx.str(f.get('module'), 'module', /^[A-Za-z_][\w.]*$/),
    error: ctx.str(f.get('error'), 'error', /^[A-Za-z_]\w*$/),
    message: ctx.str(f.get('message'), 'message'),
  };
}

function readFix(ctx: Ctx, node: Node): Fix {
  const f = ctx.fields(node, ['kind', 'command', 'patch', 'route', 'env', 'note', 'install', 'remove', 'separate_env'], ['kind'], 'fix');
  const kind = ctx.oneOf(f.get('kind'), 'fix kind', FIX_KINDS);
  const pinFields = ['install', 'remove', 'separate_env'].filter((k) => f.has(k));
  let fix: Fix;
  if (kind === 'pin') {
    // a pin fix is data; its pip line is written by the one formatter (src/report/pin-command.ts)
    if (f.has('command')) ctx.fail(f.get('command'), 'a pin fix is data: write install / remove / separate_env, not a command');
    if (pinFields.length === 0) ctx.fail(node, 'a pin fix needs install, remove or separate_env');
    const pin = readPinSpec(ctx, f);
    fix = { kind, command: pinCommand(pin), pin };
  } else {
    if (pinFields.length) ctx.fail(f.get(pinFields[0]!), `${pinFields[0]} belongs to a pin fix`);
    if (!f.has('command')) ctx.fail(node, 'fix is missing "command"');
    fix = { kind, command: ctx.str(f.get('command'), 'command') };
  }
  if (f.has('patch')) fix.patch = ctx.str(f.get('patch'), 'patch id', PATCH_ID);
  if (f.has('route')) fix.route = ctx.oneOf<RouteId>(f.get('route'), 'route', ROUTE_IDS);
  if (f.has('env')) fix.env = ctx.str(f.get('env'), 'env', /^[A-Z_][A-Z0-9_]*$/);
  if (f.has('note')) fix.note = ctx.str(f.get('note'), 'note');
  if (fix.kind === 'patch' && !fix.patch) ctx.fail(node, 'a patch fix needs "patch: <patch id>"');
  if (fix.kind === 'route' && !fix.route) ctx.fail(node, 'a route fix needs "route: <route id>"');
  if (fix.kind === 'env' && !fix.env) ctx.fail(node, 'an env fix needs "env: <VARIABLE>"');
  return fix;
}

const REQUIREMENT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\[[a-z0-9,-]+\])?$/;
const PLACEHOLDER = /\{[a-z_]+(?::[a-z0-9-]+)?\}/g;
const DIR = /^\.?[A-Za-z0-9._-]+$/;

/** install (name -> specifier template), remove (names or list placeholders), separate_env (python, dir). */
function readPinSpec(ctx: Ctx, f: Map<string, Node>): PinSpec {
  const pin: PinSpec = { install: {}, remove: [] };
  if (f.has('install')) {
    for (const [name, value] of ctx.entries(f.get('install'), 'any', [], 'install')) {
      if (!REQUIREMENT_NAME.test(name)) ctx.fail(value, `install: "${name}" is not a distribution name`);
      const node = ctx.r(value);
      const empty = node === null || node === undefined || (yaml().isScalar(node) && (node.value === '' || node.value === null));
      const spec = empty ? '' : ctx.str(value, `install ${name}`);
      // a template is checked with its placeholders filled by a version (a {requires} range renders as one)
      const filled = spec.replace(/^\{[a-z_]+\}$/, '>=1').replace(PLACEHOLDER, '1.0');
      if (spec !== '' && !isValidSpecifier(filled)) ctx.fail(value, `install ${name}: "${spec}" is not a PEP 440 specifier`);
      pin.install[name] = spec;
    }
  }
  if (f.has('remove')) pin.remove = ctx.strList(f.get('remove'), 'remove', /^(?:[a-z0-9]+(?:-[a-z0-9]+)*|\{[a-z_]+\})$/);
  if (f.has('separate_env')) {
    const e = ctx.fields(f.get('separate_env'), ['python', 'dir'], ['dir'], 'separate_env');
    const python = e.has('python') ? ctx.str(e.get('python'), 'python', /^3(?:\.\d+)?$/) : '';
    pin.separateEnv = { python, dir: ctx.str(e.get('dir'), 'dir', DIR) };
    if (pin.remove.length) ctx.fail(f.get('remove'), 'a separate env has nothing to remove');
  }
  return pin;
}

function readCondition(ctx: Ctx, node: Node): Condition {
  const entries = ctx.entries(node, [...CONDITION_KINDS], [], 'condition');
  if (entries.length !== 1) ctx.fail(node, `a condition has exactly one key (one of ${CONDITION_KINDS.join(', ')}); use all: [...] to combine`);
  const [kind, v] = entries[0]! as [ConditionKind, Node];
  return readConditionOf(ctx, kind, v);
}

function readConditionOf<K extends ConditionKind>(ctx: Ctx, kind: K, v: Node): Condition {
  const args = (CONDITION_READERS[kind] as ConditionReader<K>)(ctx, v);
  return { [kind]: args } as ConditionOf<K> as Condition;
}

type ConditionReader<K extends ConditionKind> = (ctx: Ctx, v: Node) => ConditionArgs[K];

function readConditionList(ctx: Ctx, v: Node, kind: 'all' | 'any'): Condition[] {
  const list = ctx.seq(v, kind);
  if (list.length === 0) ctx.fail(v, `${kind} needs at least one condition`);
  return list.map((n) => readCondition(ctx, n));
}

function readImportFilter(ctx: Ctx, v: Node, kind: 'duplicate_providers' | 'record_overlap'): ImportFilter {
  const f = ctx.fields(v, ['import', 'exclude'], [], `${kind} condition`);
  const c: ImportFilter = {};
  if (f.has('import')) c.import = ctx.str(f.get('import'), 'import');
  if (f.has('exclude')) c.exclude = ctx.strList(f.get('exclude'), 'exclude');
  return c;
}

/** One reader per condition kind (a record over the kinds of types.ts: none can be missing). */
const CONDITION_READERS: { [K in ConditionKind]: ConditionReader<K> } = {
  all: (ctx, v) => readConditionList(ctx, v, 'all'),
  any: (ctx, v) => readConditionList(ctx, v, 'any'),
  not: (ctx, v) => readCondition(ctx, v),
  installed: (ctx, v) => ctx.str(v, 'installed', NAME),
  missing: (ctx, v) => ctx.str(v, 'missing', NAME),
  python: (ctx, v) => ctx.spec(v, 'python'),
  planned: (ctx, v) => ctx.bool(v, 'planned'),
  version: (ctx, v) => {
    const f = ctx.fields(v, ['package', 'spec'], ['package', 'spec'], 'version condition');
    return { package: ctx.str(f.get('package'), 'package', NAME), spec: ctx.spec(f.get('spec'), 'spec') };
  },
  platform: (ctx, v) => {
    const f = ctx.fields(v, ['system', 'machine'], [], 'platform condition');
    const p: { system?: string; machine?: string } = {};
    if (f.has('system')) p.system = ctx.str(f.get('system'), 'system');
    if (f.has('machine')) p.machine = ctx.str(f.get('machine'), 'machine');
    return p;
  },
  env: (ctx, v) => {
    const f = ctx.fields(v, ['name', 'equals', 'set'], ['name'], 'env condition');
    const e: { name: string; equals?: string[]; set?: boolean } = { name: ctx.str(f.get('name'), 'name', /^[A-Z_][A-Z0-9_]*$/) };
    if (f.has('equals')) e.equals = ctx.strList(f.get('equals'), 'equals');
    if (f.has('set')) e.set = ctx.bool(f.get('set'), 'set');
    return e;
  },
  minor_mismatch: (ctx, v) => {
    const f = ctx.fields(v, ['package', 'with'], ['package', 'with'], 'minor_mismatch condition');
    return { package: ctx.str(f.get('package'), 'package', NAME), with: ctx.str(f.get('with'), 'with', NAME) };
  },
  constraint_violated: (ctx, v) => {
    const f = ctx.fields(v, ['package', 'dependency'], [], 'constraint_violated condition');
    const c: { package?: string; dependency?: string } = {};
    if (f.has('package')) c.package = ctx.str(f.get('package'), 'package', NAME);
    if (f.has('dependency')) c.dependency = ctx.str(f.get('dependency'), 'dependency', NAME);
    return c;
  },
  python_unsupported: (ctx, v) => {
    const f = ctx.fields(v, ['package'], [], 'python_unsupported condition');
    return f.has('package') ? { package: ctx.str(f.get('package'), 'package', NAME) } : {};
  },
  duplicate_providers: (ctx, v) => readImportFilter(ctx, v, 'duplicate_providers'),
  record_overlap: (ctx, v) => readImportFilter(ctx, v, 'record_overlap'),
  export_op_gaps: (ctx, v) => {
    const f = ctx.fields(v, ['target'], ['target'], 'export_op_gaps condition');
    return { target: ctx.oneOf(f.get('target'), 'target', ['onnx-tf'] as const) };
  },
};
