// Loads matrix/lock.yaml: per route, the distributions the solver chooses versions for, the run-time
// needs no METADATA declares, and how the route converts. One-line errors name file:line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultMatrixDir } from '../matrix/load.js';
import { ROUTE_IDS, type RouteId } from '../matrix/types.js';
import { normalizeName } from '../env/names.js';
import { cacheKey, readCached, writeCached, yaml } from '../util/parsed-cache.js';
import { UserError } from '../util/errors.js';

export interface LockPackageSpec {
  /** PEP 503-normalised */
  name: string;
  /** 'minor': only the newest release of each X.Y line is a candidate */
  lines?: 'minor';
  /** the plan may leave it out (tried first without it) */
  optional: boolean;
  /** extras asked for when the chosen release declares them */
  extras: string[];
}

export interface LockNeed {
  package: string;
  requires: string;
  /** the matrix rule that proves the need */
  rule: string;
  note: string;
}

/** An op-version rule the export step answers: the patch that closes it, else the opset to export at. */
export interface LockExportGap {
  rule: string;
  patch?: string;
  /** without the patch (and with no torch in the plan to predict from), export at this opset */
  opset?: number;
}

export interface LockExportSpec {
  /** the call a plan carries when nothing asks for another */
  call: string;
  /** the call at a chosen opset, with `{opset}` in it */
  atOpset?: string;
  /** model facts (matrix/model.yaml codes) these calls answer */
  clears: string[];
  gaps: LockExportGap[];
}

export interface LockRouteSpec {
  route: Exclude<RouteId, 'native'>;
  packages: LockPackageSpec[];
  needs: LockNeed[];
  /** absent: the route converts the PyTorch module, no export step */
  export?: LockExportSpec;
  convert: string;
}

export const LOCK_ROUTES = ['onnx-tf', 'onnx2tf', 'litert-torch'] as const;
export type LockRouteId = (typeof LOCK_ROUTES)[number];

const FORMAT = 2;

export async function loadLockSpecs(dir: string = defaultMatrixDir()): Promise<LockRouteSpec[]> {
  const file = join(dir, 'lock.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`cannot read ${file}`, 'the lock solver needs matrix/lock.yaml beside the matrix');
  }
  const key = cacheKey('lock-spec', [String(FORMAT), file, text]);
  const cached = readCached<LockRouteSpec[]>(key);
  if (cached) return cached;
  const specs = parseLockSpecs(text, 'matrix/lock.yaml');
  writeCached(key, specs);
  return specs;
}

/** Parses and validates lock.yaml text. Exported for tests. */
export function parseLockSpecs(text: string, display: string): LockRouteSpec[] {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const fail = (node: unknown, msg: string): never => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    const line = range ? lc.linePos(range[0]).line : 1;
    throw new UserError(`${display}:${line}: ${msg}`);
  };
  if (doc.errors.length > 0) fail(null, `invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const root = doc.toJS() as { schema?: unknown; routes?: unknown };
  if (root?.schema !== 1) fail(doc.contents, 'expected `schema: 1`');
  if (!Array.isArray(root.routes)) fail(doc.contents, 'expected a `routes` list');
  const nodes = (doc.get('routes') as { items: unknown[] }).items;
  const seen = new Set<string>();
  return (root.routes as Record<string, unknown>[]).map((r, i) => {
    const node = nodes[i];
    const route = r.route as string;
    if (!(LOCK_ROUTES as readonly string[]).includes(route) || !ROUTE_IDS.includes(route as RouteId)) {
      fail(node, `unknown route ${JSON.stringify(route)} (routes: ${LOCK_ROUTES.join(', ')})`);
    }
    if (seen.has(route)) fail(node, `route ${route} is defined twice`);
    seen.add(route);
    if (!Array.isArray(r.packages) || r.packages.length === 0) fail(node, `route ${route}: expected a non-empty packages list`);
    const packages = (r.packages as Record<string, unknown>[]).map((p) => {
      if (typeof p?.name !== 'string') fail(node, `route ${route}: every package needs a name`);
      if (p.lines !== undefined && p.lines !== 'minor') fail(node, `route ${route}: ${p.name as string}: lines must be "minor"`);
      const extras = p.extras ?? [];
      if (!Array.isArray(extras) || extras.some((e) => typeof e !== 'string')) fail(node, `route ${route}: ${p.name as string}: extras must be a list of names`);
      return {
        name: normalizeName(p.name as string),
        ...(p.lines ? { lines: 'minor' as const } : {}),
        optional: p.optional === true,
        extras: extras as string[],
      };
    });
    const needs = ((r.needs ?? []) as Record<string, unknown>[]).map((n) => {
      for (const k of ['package', 'requires', 'rule', 'note']) if (typeof n[k] !== 'string') fail(node, `route ${route}: each need has package, requires, rule and note`);
      return { package: normalizeName(n.package as string), requires: normalizeName(n.requires as string), rule: n.rule as string, note: n.note as string };
    });
    if (typeof r.convert !== 'string') fail(node, `route ${route}: expected a convert line`);
    const exportSpec = r.export === undefined ? undefined : parseExport(r.export, route, (msg) => fail(node, msg));
    return { route: route as LockRouteId, packages, needs, ...(exportSpec ? { export: exportSpec } : {}), convert: r.convert as string };
  });
}

function parseExport(raw: unknown, route: string, fail: (msg: string) => never): LockExportSpec {
  const e = raw as Record<string, unknown> | null;
  if (!e || typeof e !== 'object' || Array.isArray(e)) return fail(`route ${route}: export must be a mapping`);
  for (const k of Object.keys(e)) if (!['call', 'at_opset', 'clears', 'gaps'].includes(k)) fail(`route ${route}: export: unknown key \`${k}\` (allowed: call, at_opset, clears, gaps)`);
  if (typeof e.call !== 'string' || !e.call.trim()) fail(`route ${route}: export needs a call`);
  if (e.at_opset !== undefined && (typeof e.at_opset !== 'string' || !e.at_opset.includes('{opset}'))) fail(`route ${route}: export.at_opset must be a call with {opset} in it`);
  const clears = e.clears ?? [];
  if (!Array.isArray(clears) || clears.some((c) => typeof c !== 'string')) fail(`route ${route}: export.clears must be a list of codes`);
  const gaps = e.gaps ?? [];
  if (!Array.isArray(gaps)) return fail(`route ${route}: export.gaps must be a list`);
  return {
    call: e.call as string,
    ...(e.at_opset !== undefined ? { atOpset: e.at_opset as string } : {}),
    clears: clears as string[],
    gaps: (gaps as Record<string, unknown>[]).map((g) => {
      if (typeof g?.rule !== 'string') fail(`route ${route}: each export gap names its rule`);
      if (g.patch !== undefined && typeof g.patch !== 'string') fail(`route ${route}: ${g.rule as string}: patch must be a patch id`);
      if (g.opset !== undefined && !(typeof g.opset === 'number' && Number.isInteger(g.opset) && g.opset > 0)) fail(`route ${route}: ${g.rule as string}: opset must be a positive integer`);
      if (g.opset !== undefined && e.at_opset === undefined) fail(`route ${route}: ${g.rule as string}: an opset needs export.at_opset`);
      if (g.patch === undefined && g.opset === undefined) fail(`route ${route}: ${g.rule as string}: say what closes it (patch, opset or both)`);
      return { rule: g.rule as string, ...(g.patch !== undefined ? { patch: g.patch as string } : {}), ...(g.opset !== undefined ? { opset: g.opset as number } : {}) };
    }),
  };
}

/** The export call at `opset`. */
export function exportCallAt(spec: LockExportSpec, opset: number): string | null {
  return spec.atOpset ? spec.atOpset.replaceAll('{opset}', String(opset)) : null;
}
