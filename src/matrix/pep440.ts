// The one place Python-package versions are compared (PEP 440, never semver), and the only module
// that imports the PEP 440 library (test/structure/single-owners.test.ts holds src/ to that).
// Non-throwing: an invalid version or specifier gives false / null.
import { compare as pepCompare, explain, satisfies as pepSatisfies, valid, validRange, eq, ge, gt, le, lt, ne } from '@renovatebot/pep440';

export function isValidVersion(v: string): boolean {
  return valid(v) !== null;
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
  try {
    return pepSatisfies(v, spec);
  } catch {
    return false;
  }
}

/** Orders two valid versions (negative, 0, positive); check both with isValidVersion first. */
export function compareVersions(a: string, b: string): number {
  return pepCompare(a, b);
}

/** "2.20.1" -> "2.20"; null for an invalid version. */
export function majorMinor(v: string): string | null {
  const e = explain(v);
  if (!e) return null;
  return `${e.release[0] ?? 0}.${e.release[1] ?? 0}`;
}

/** The release segment without pre/dev/local parts: "2.21.0.dev2025" -> "2.21.0". */
export function releaseOf(v: string): string | null {
  const e = explain(v);
  return e ? e.release.join('.') : null;
}
