// The one place Python-package versions are compared (PEP 440, never semver), and the only module
// that imports the PEP 440 library (test/structure/single-owners.test.ts holds src/ to that).
// Non-throwing: an invalid version or specifier gives false / null.
import { clean, compare as pepCompare, explain as pepExplain, parse, satisfies as pepSatisfies, valid, validRange, eq, ge, gt, le, lt, ne } from '@renovatebot/pep440';

export function isValidVersion(v: string): boolean {
  return PLAIN.test(v) || explain(v) !== null;
}

// The solver asks about the same few thousand versions again and again; the library parses each time.
const explained = new Map<string, ReturnType<typeof pepExplain>>();

function explain(v: string): ReturnType<typeof pepExplain> {
  if (explained.has(v)) return explained.get(v)!;
  const e = pepExplain(v);
  if (explained.size > 100_000) explained.clear();
  explained.set(v, e);
  return e;
}

export function isValidSpecifier(spec: string): boolean {
  try {
    return validRange(spec);
  } catch {
    return false;
  }
}

function isPre(v: string): boolean {
  const e = explain(v);
  return !!e && (e.is_prerelease || e.is_devrelease);
}

const CLAUSE = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*(\S+?)\s*$/;

/**
 * Does installed version `v` match `spec`? Unlike pip's resolver default, pre-releases and dev
 * builds match (we judge what IS installed, e.g. ai-edge-tensorflow 2.21.0.dev20250818 >= 2.16).
 */
export function satisfies(v: string, spec: string): boolean {
  // the solver asks the same questions thousands of times; the library parses on every call
  const key = `${v}\0${spec}`;
  const known = satisfiesMemo.get(key);
  if (known !== undefined) return known;
  if (satisfiesMemo.size > 50_000) satisfiesMemo.clear();
  const answer = satisfiesUncached(v, spec);
  satisfiesMemo.set(key, answer);
  return answer;
}

const satisfiesMemo = new Map<string, boolean>();

function satisfiesUncached(v: string, spec: string): boolean {
  const plain = plainSatisfies(v, spec);
  if (plain !== undefined) return plain;
  if (!spec.trim()) return valid(v) !== null;
  try {
    if (!isPre(v)) return pepSatisfies(v, spec);
    return spec.split(',').every((raw) => clauseHolds(v, raw));
  } catch {
    return false;
  }
}

function clauseHolds(v: string, raw: string): boolean {
  const m = CLAUSE.exec(raw);
  if (!m) return false;
  const [, op, target] = m as unknown as [string, string, string];
  if (target.endsWith('.*')) {
    const prefix = target.slice(0, -2).split('.');
    const rel = explain(v)?.release ?? [];
    const same = prefix.every((p, i) => Number(p) === (rel[i] ?? 0));
    return op === '!=' ? !same : same;
  }
  switch (op) {
    case '<': return lt(v, target);
    case '<=': return le(v, target);
    case '>': return gt(v, target);
    case '>=': return ge(v, target);
    case '==': case '===': return eq(v, target);
    case '!=': return ne(v, target);
    case '~=': {
      const parts = target.split('.');
      const prefix = parts.slice(0, -1).join('.');
      return ge(v, target) && clauseHolds(v, `==${prefix}.*`);
    }
    default: return false;
  }
}

/**
 * Does `v` match `spec` under PEP 440's own rule: a pre-release or dev build matches only a
 * specifier that names one (the default pip chooses candidates by). Compare satisfies(), which
 * judges installed versions and lets pre-releases match.
 */
export function satisfiesExcludingPre(v: string, spec: string): boolean {
  // a final release is no pre-release: both rules agree
  const plain = plainSatisfies(v, spec);
  if (plain !== undefined) return plain;
  try {
    return pepSatisfies(v, spec);
  } catch {
    return false;
  }
}

/** Orders two valid versions (negative, 0, positive); check both with isValidVersion first. */
export function compareVersions(a: string, b: string): number {
  const ka = cachedSortKey(a);
  const kb = cachedSortKey(b);
  return ka && kb ? compareKeys(ka, kb) : pepCompare(a, b);
}

const sortKeys = new Map<string, SortKey | null>();

function cachedSortKey(v: string): SortKey | null {
  let k = sortKeys.get(v);
  if (k === undefined) {
    k = sortKey(v);
    if (sortKeys.size > 100_000) sortKeys.clear();
    sortKeys.set(v, k);
  }
  return k;
}

/** "2.20.1" -> "2.20"; null for an invalid version. */
export function majorMinor(v: string): string | null {
  if (PLAIN.test(v)) {
    const [major, minor] = plainRelease(v);
    return `${major ?? 0}.${minor ?? 0}`;
  }
  const e = explain(v);
  if (!e) return null;
  return `${e.release[0] ?? 0}.${e.release[1] ?? 0}`;
}

/** The release segment without pre/dev/local parts: "2.21.0.dev2025" -> "2.21.0". */
export function releaseOf(v: string): string | null {
  const e = explain(v);
  return e ? e.release.join('.') : null;
}

/** PEP 440 normal form ("1.0-1" -> "1.0.post1", "01.2RC1" -> "1.2rc1"); null for an invalid version. */
export function normalizeVersion(v: string): string | null {
  try {
    return clean(v.trim());
  } catch {
    return null;
  }
}

/** Is `v` a pre-release or dev release (pip skips these unless asked)? false for an invalid version. */
export function isPrerelease(v: string): boolean {
  return isPre(v);
}

interface SortKey {
  epoch: number;
  release: number[];
  pre: number[];
  post: number[];
  dev: number[];
  local: Array<[number, string]> | null;
}

const PRE_RANK: Record<string, number> = { a: 0, b: 1, rc: 2 };

/** PEP 440's ordering key (as in packaging's _cmpkey), computed once per version. */
function sortKey(v: string): SortKey | null {
  if (PLAIN.test(v)) {
    const release = plainRelease(v);
    while (release.length && release[release.length - 1] === 0) release.pop();
    return { epoch: 0, release, pre: [Infinity], post: [-Infinity], dev: [Infinity], local: null };
  }
  const p = parse(v);
  if (!p) return null;
  const release = [...p.release];
  while (release.length && release[release.length - 1] === 0) release.pop();
  // 1.0.dev0 sorts before 1.0a0; a release without pre sorts after its pre-releases
  const pre = p.pre ? [PRE_RANK[String(p.pre[0])] ?? 0, Number(p.pre[1])] : !p.post && p.dev ? [-Infinity] : [Infinity];
  return {
    epoch: p.epoch,
    release,
    pre,
    post: p.post ? [Number(p.post[1])] : [-Infinity],
    dev: p.dev ? [Number(p.dev[1])] : [Infinity],
    // the library's types say string; at run time it is the list of segments
    local: p.local ? (Array.isArray(p.local) ? (p.local as unknown[]) : String(p.local).split('.')).map((s): [number, string] => (Number.isNaN(Number(s)) ? [-Infinity, String(s)] : [Number(s), ''])) : null,
  };
}

function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  const byParts = compareNumbers(a.release, b.release) || compareNumbers(a.pre, b.pre) || compareNumbers(a.post, b.post) || compareNumbers(a.dev, b.dev);
  if (byParts) return Math.sign(byParts);
  if (!a.local || !b.local) return a.local ? 1 : b.local ? -1 : 0;
  for (let i = 0; i < Math.min(a.local.length, b.local.length); i++) {
    const [an, as] = a.local[i]!;
    const [bn, bs] = b.local[i]!;
    if (an !== bn) return an < bn ? -1 : 1;
    if (as !== bs) return as < bs ? -1 : 1;
  }
  return Math.sign(a.local.length - b.local.length);
}

/**
 * `versions` sorted by PEP 440 (the order of compareVersions), each parsed once: sorting the
 * thousand releases of numpy with pairwise compareVersions costs about a second. Invalid
 * versions go last.
 */
export function sortVersions(versions: readonly string[], order: 'asc' | 'desc' = 'asc'): string[] {
  const keyed = versions.map((v) => ({ v, k: cachedSortKey(v) }));
  const sign = order === 'asc' ? 1 : -1;
  keyed.sort((x, y) => (!x.k || !y.k ? (x.k ? -1 : y.k ? 1 : 0) : sign * compareKeys(x.k, y.k)));
  return keyed.map((x) => x.v);
}

// ---------------------------------------------------------------- final releases without the library
// Most versions a check meets are final releases ("2.20.0") and most specifiers compare them with
// final releases (">=2.16,<2.21", "~=1.13", "!=1.14.*"). For those PEP 440 is plain arithmetic on the
// release numbers, zero-padded: no pre-, post-, dev- or local part, so none of the exclusion rules
// apply. The library's parser (large case-insensitive regular expressions, compiled on first use)
// is then not needed at all; test/matrix/pep440.test.ts holds this path to the library's answers.

/** A final release: digits and dots only ("2.20.0", "1"). */
const PLAIN = /^\d+(?:\.\d+)*$/;
/** A pre- or dev release in normal form ("2.21.0.dev0", "1.0rc1"): a final release sorts after those of its release. */
const PRE_TARGET = /^(\d+(?:\.\d+)*)(?:(?:a|b|rc)\d+)?(?:\.dev\d+)?$/;
/** A final release with a local label ("2.13.0+cpu"): a public specifier judges its public part. */
const PLAIN_LOCAL = /^(\d+(?:\.\d+)*)\+[a-z0-9]+(?:[-_.][a-z0-9]+)*$/i;

function plainRelease(v: string): number[] {
  return v.split('.').map(Number);
}

/** Compares release numbers zero-padded to the longer one. */
function compareRelease(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** True when the first `prefix.length` release numbers of `v` (zero-padded) are `prefix`. */
function startsWithRelease(v: readonly number[], prefix: readonly number[]): boolean {
  return prefix.every((p, i) => p === (v[i] ?? 0));
}

/**
 * satisfies() for a final release `v` (a local label allowed) and a specifier whose clauses all name
 * final releases (`===` and other forms excepted); undefined when either is anything else, for the library.
 */
export function plainSatisfies(v: string, spec: string): boolean | undefined {
  const local = PLAIN_LOCAL.exec(v);
  if (!PLAIN.test(v) && !local) return undefined;
  const release = plainRelease(local ? local[1]! : v);
  const clauses = spec.split(',');
  if (clauses.length === 1 && !clauses[0]!.trim()) return true;
  const verdicts: boolean[] = [];
  for (const raw of clauses) {
    const m = CLAUSE.exec(raw);
    if (!m) return undefined;
    const [, op, target] = m as unknown as [string, string, string];
    const wildcard = target.endsWith('.*');
    const bare = wildcard ? target.slice(0, -2) : target;
    if (!PLAIN.test(bare)) {
      // a final release against a pre- or dev release: ordered by release, then after it
      const pre = PRE_TARGET.exec(bare);
      if (!pre || wildcard) return undefined;
      const c = compareRelease(release, plainRelease(pre[1]!));
      // `>` of its own release's pre-release: the library says no where packaging says yes; it decides
      if (op === '>' && c === 0) return undefined;
      switch (op) {
        case '<': case '<=': verdicts.push(c < 0); break;
        case '>': case '>=': verdicts.push(c >= 0); break;
        case '==': verdicts.push(false); break;
        case '!=': verdicts.push(true); break;
        default: return undefined;
      }
      continue;
    }
    const t = plainRelease(bare);
    if (wildcard) {
      // a release shorter than the prefix: packaging pads it, the library does not; the library decides
      if ((op !== '==' && op !== '!=') || release.length < t.length) return undefined;
      verdicts.push(startsWithRelease(release, t) === (op === '=='));
      continue;
    }
    const c = compareRelease(release, t);
    switch (op) {
      case '<': verdicts.push(c < 0); break;
      case '<=': verdicts.push(c <= 0); break;
      case '>': verdicts.push(c > 0); break;
      case '>=': verdicts.push(c >= 0); break;
      case '==': verdicts.push(c === 0); break;
      case '!=': verdicts.push(c !== 0); break;
      case '~=':
        if (t.length < 2) return undefined;
        verdicts.push(c >= 0 && startsWithRelease(release, t.slice(0, -1)));
        break;
      default: return undefined;
    }
  }
  return verdicts.every(Boolean);
}

