// PEP 508 environment markers: parse `python_version < "3.11" and sys_platform == "linux"` and
// evaluate it against a planned environment (no interpreter to ask).
import { isValidVersion, satisfiesExcludingPre } from '../matrix/pep440.js';

/** The marker variables of PEP 508, as strings. */
export type MarkerEnvironment = Record<string, string>;

export interface PlannedPlatform {
  /** sys.platform value: linux, darwin, win32 */
  system: string;
  /** platform.machine() value: x86_64, aarch64, arm64, AMD64 */
  machine: string;
}

/** Marker values for a CPython of `pythonVersion` ("3.10" or "3.10.18") on `platform`. */
export function markerEnvironment(pythonVersion: string, platform: PlannedPlatform): MarkerEnvironment {
  const parts = pythonVersion.split('.');
  const short = parts.slice(0, 2).join('.');
  const platformSystem: Record<string, string> = { linux: 'Linux', darwin: 'Darwin', win32: 'Windows', cygwin: 'CYGWIN_NT' };
  return {
    python_version: short,
    python_full_version: pythonVersion,
    implementation_name: 'cpython',
    implementation_version: pythonVersion,
    platform_python_implementation: 'CPython',
    os_name: platform.system === 'win32' ? 'nt' : 'posix',
    sys_platform: platform.system,
    platform_system: platformSystem[platform.system] ?? platform.system,
    platform_machine: platform.machine,
    // unknowable for a planned env; markers on them compare against ''
    platform_release: '',
    platform_version: '',
    // a requirements line is installed without extras
    extra: '',
  };
}

type Node =
  | { op: 'and' | 'or'; left: Node; right: Node }
  | { op: 'cmp'; left: Operand; cmp: string; right: Operand };
type Operand = { variable: string } | { literal: string };

const VARIABLES = new Set([
  'python_version', 'python_full_version', 'os_name', 'sys_platform', 'platform_release', 'platform_system',
  'platform_version', 'platform_machine', 'platform_python_implementation', 'implementation_name',
  'implementation_version', 'extra',
]);
// pre-PEP 508 spellings pip still accepts
const ALIASES: Record<string, string> = {
  'os.name': 'os_name', 'sys.platform': 'sys_platform', 'platform.version': 'platform_version',
  'platform.machine': 'platform_machine', 'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
};
const VERSION_VARIABLES = new Set(['python_version', 'python_full_version', 'implementation_version', 'platform_release']);

export class MarkerSyntaxError extends Error {}

/** Parses a marker expression; throws MarkerSyntaxError saying what is wrong. */
export function parseMarker(text: string): Node {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const expectOperand = (): Operand => {
    const t = tokens[pos++];
    if (!t) throw new MarkerSyntaxError(`marker "${text}" ends too early`);
    if (t.kind === 'string') return { literal: t.value };
    if (t.kind === 'word') {
      const name = ALIASES[t.value] ?? t.value;
      if (!VARIABLES.has(name)) throw new MarkerSyntaxError(`unknown marker variable "${t.value}"`);
      return { variable: name };
    }
    throw new MarkerSyntaxError(`expected a marker variable or a quoted string, got "${t.value}"`);
  };
  const parseAtom = (): Node => {
    const t = peek();
    if (t?.kind === 'paren' && t.value === '(') {
      pos++;
      const inner = parseOr();
      const close = tokens[pos++];
      if (!(close?.kind === 'paren' && close.value === ')')) throw new MarkerSyntaxError(`missing ")" in marker "${text}"`);
      return inner;
    }
    const left = expectOperand();
    const opTok = tokens[pos++];
    if (!opTok || opTok.kind !== 'op') throw new MarkerSyntaxError(`expected a comparison after ${describe(left)} in marker "${text}"`);
    const right = expectOperand();
    return { op: 'cmp', left, cmp: opTok.value, right };
  };
  const parseAnd = (): Node => {
    let node = parseAtom();
    while (peek()?.kind === 'word' && peek()?.value === 'and') {
      pos++;
      node = { op: 'and', left: node, right: parseAtom() };
    }
    return node;
  };
  const parseOr = (): Node => {
    let node = parseAnd();
    while (peek()?.kind === 'word' && peek()?.value === 'or') {
      pos++;
      node = { op: 'or', left: node, right: parseAnd() };
    }
    return node;
  };
  const node = parseOr();
  if (pos < tokens.length) throw new MarkerSyntaxError(`unexpected "${tokens[pos]!.value}" in marker "${text}"`);
  return node;
}

/** Evaluates a marker expression against `env`. */
export function evaluateMarker(text: string, env: MarkerEnvironment): boolean {
  return evaluate(parseMarker(text), env);
}

function evaluate(node: Node, env: MarkerEnvironment): boolean {
  if (node.op !== 'cmp') {
    return node.op === 'and' ? evaluate(node.left, env) && evaluate(node.right, env) : evaluate(node.left, env) || evaluate(node.right, env);
  }
  const lhs = value(node.left, env);
  const rhs = value(node.right, env);
  if (node.cmp === 'in') return rhs.includes(lhs);
  if (node.cmp === 'not in') return !rhs.includes(lhs);
  // a version variable on either side compares as PEP 440 versions when both sides are versions
  const versionish = ('variable' in node.left && VERSION_VARIABLES.has(node.left.variable))
    || ('variable' in node.right && VERSION_VARIABLES.has(node.right.variable));
  if (versionish && node.cmp !== '===' && isValidVersion(lhs) && isSpecVersion(rhs)) {
    return satisfiesExcludingPre(lhs, `${node.cmp}${rhs}`);
  }
  switch (node.cmp) {
    case '==': case '===': return lhs === rhs;
    case '!=': return lhs !== rhs;
    case '<': return lhs < rhs;
    case '<=': return lhs <= rhs;
    case '>': return lhs > rhs;
    case '>=': return lhs >= rhs;
    default: throw new MarkerSyntaxError(`"${node.cmp}" cannot compare "${lhs}" and "${rhs}" (not versions)`);
  }
}

function isSpecVersion(v: string): boolean {
  return isValidVersion(v) || /^\d+(\.\d+)*\.\*$/.test(v);
}

function value(operand: Operand, env: MarkerEnvironment): string {
  return 'literal' in operand ? operand.literal : (env[operand.variable] ?? '');
}

function describe(operand: Operand): string {
  return 'literal' in operand ? `"${operand.literal}"` : operand.variable;
}

type Token = { kind: 'string' | 'word' | 'op' | 'paren'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { tokens.push({ kind: 'paren', value: c }); i++; continue; }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end === -1) throw new MarkerSyntaxError(`unterminated string in marker "${text}"`);
      tokens.push({ kind: 'string', value: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const op = /^(===|==|!=|<=|>=|~=|<|>)/.exec(text.slice(i));
    if (op) { tokens.push({ kind: 'op', value: op[1]! }); i += op[1]!.length; continue; }
    const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
    if (word) {
      const w = word[0];
      if (w === 'not') {
        const rest = /^not\s+in\b/.exec(text.slice(i));
        if (!rest) throw new MarkerSyntaxError(`"not" must be followed by "in" in marker "${text}"`);
        tokens.push({ kind: 'op', value: 'not in' });
        i += rest[0].length;
        continue;
      }
      tokens.push(w === 'in' ? { kind: 'op', value: 'in' } : { kind: 'word', value: w });
      i += w.length;
      continue;
    }
    throw new MarkerSyntaxError(`unexpected "${c}" in marker "${text}"`);
  }
  return tokens;
}
