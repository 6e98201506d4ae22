// Loads and validates matrix/model.yaml: per route, where its op coverage comes from; the opsets a
// re-export may use; the facts about a model's own content that stop a route. Errors name file:line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'yaml';
import { defaultMatrixDir } from '../matrix/load.js';
import { isValidSpecifier } from '../matrix/pep440.js';
import { EVIDENCE_KINDS, ROUTE_IDS, type Evidence, type RouteId } from '../matrix/types.js';
import { cacheKey, readCached, writeCached, yaml } from '../util/parsed-cache.js';
import { UserError } from '../util/errors.js';

export const COVERAGE_KINDS = ['onnx-tf-handlers', 'native-registry', 'unknown', 'not-applicable'] as const;
export type CoverageKind = (typeof COVERAGE_KINDS)[number];

/** Condition kinds a model fact may use; each has an evaluator in facts.ts (a Record, so a new kind must add one). */
export const MODEL_FACT_KINDS = ['input-name'] as const;
export type ModelFactKind = (typeof MODEL_FACT_KINDS)[number];

export const MODEL_FIX_KINDS = ['export-option', 'rename-inputs', 'patch', 'route'] as const;
export interface ModelFix {
  kind: (typeof MODEL_FIX_KINDS)[number];
  command: string;
  note?: string;
}

export interface RouteCoverageSpec {
  route: RouteId;
  coverage: CoverageKind;
  /** PEP 440 specifier: the releases of the route's converter the table holds for */
  versions?: string;
  note?: string;
}

export interface ModelFactSpec {
  code: string;
  route: RouteId;
  kind: ModelFactKind;
  /** input-name: the names the route keeps (a u-flag regular expression source) */
  keeps: string;
  evidence: Evidence[];
  provenBy: string | null;
  unproven: boolean;
  fixes: ModelFix[];
  line: number;
}

export interface ModelSpec {
  exportOpsets: { min: number; torchscriptMax: number; evidence: string };
  routes: RouteCoverageSpec[];
  facts: ModelFactSpec[];
}

const FORMAT = 1;

export function loadModelSpec(dir: string = defaultMatrixDir()): ModelSpec {
  const file = join(dir, 'model.yaml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`cannot read ${file}`, 'the model check needs matrix/model.yaml beside the matrix');
  }
  const key = cacheKey('model-spec', [String(FORMAT), file, text]);
  const cached = readCached<ModelSpec>(key);
  if (cached) return cached;
  const spec = parseModelSpec(text, file);
  writeCached(key, spec);
  return spec;
}

/** Parses and validates model.yaml text. Exported for tests. */
export function parseModelSpec(text: string, display: string): ModelSpec {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: unknown): number => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lc.linePos(range[0]).line : 1;
  };
  const fail = (node: unknown, msg: string): never => {
    throw new UserError(`${display}:${lineOf(node)}: ${msg}`);
  };
  if (doc.errors.length > 0) throw new UserError(`${display}:${lc.linePos(doc.errors[0]!.pos[0]).line}: ${doc.errors[0]!.message.split('\n')[0]}`);
  const root = doc.contents;
  if (!yaml().isMap(root)) return fail(root, 'expected a mapping with `schema`, `export_opsets`, `routes` and `facts`');
  const js = doc.toJS() as Record<string, unknown>;
  if (js.schema !== 1) fail(root, 'expected `schema: 1`');
  const allowed = new Set(['schema', 'export_opsets', 'routes', 'facts']);
  for (const pair of root.items) {
    const k = String((pair.key as { value?: unknown }).value);
    if (!allowed.has(k)) fail(pair.key, `unknown key \`${k}\` (allowed: ${[...allowed].join(', ')})`);
  }

  const eo = js.export_opsets as Record<string, unknown> | undefined;
  const eoNode = root.get('export_opsets', true);
  const posInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!eo || !posInt(eo.min) || !posInt(eo.torchscript_max) || typeof eo.evidence !== 'string') {
    fail(eoNode ?? root, '`export_opsets` needs min and torchscript_max (positive integers) and evidence');
  }
  if ((eo!.min as number) > (eo!.torchscript_max as number)) fail(eoNode, '`export_opsets.min` is above `torchscript_max`');

  const routesNode = root.get('routes', true);
  if (!yaml().isSeq(routesNode)) return fail(routesNode ?? root, '`routes` must be a list');
  const seen = new Set<string>();
  const routes = routesNode.items.map((item): RouteCoverageSpec => {
    const r = (item as Node).toJSON() as Record<string, unknown>;
    const route = r.route as RouteId;
    if (!ROUTE_IDS.includes(route)) fail(item, `unknown route ${JSON.stringify(r.route)} (routes: ${ROUTE_IDS.join(', ')})`);
    if (seen.has(route)) fail(item, `route ${route} is listed twice`);
    seen.add(route);
    if (!(COVERAGE_KINDS as readonly unknown[]).includes(r.coverage)) fail(item, `route ${route}: coverage must be one of ${COVERAGE_KINDS.join(', ')}`);
    if (r.versions !== undefined && (typeof r.versions !== 'string' || !isValidSpecifier(r.versions))) fail(item, `route ${route}: versions must be a PEP 440 specifier`);
    if (r.note !== undefined && typeof r.note !== 'string') fail(item, `route ${route}: note must be text`);
    if ((r.coverage === 'unknown' || r.coverage === 'not-applicable') && typeof r.note !== 'string') fail(item, `route ${route}: say why in a note`);
    return {
      route, coverage: r.coverage as CoverageKind,
      ...(r.versions !== undefined ? { versions: r.versions as string } : {}),
      ...(r.note !== undefined ? { note: r.note as string } : {}),
    };
  });
  for (const route of ROUTE_IDS) if (!seen.has(route)) fail(routesNode, `route ${route} is missing`);

  const factsNode = root.get('facts', true);
  if (!yaml().isSeq(factsNode)) return fail(factsNode ?? root, '`facts` must be a list');
  const codes = new Set<string>();
  const facts = factsNode.items.map((item): ModelFactSpec => {
    const f = (item as Node).toJSON() as Record<string, unknown>;
    if (typeof f.code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(f.code)) fail(item, 'a fact needs an UPPER_SNAKE `code`');
    const code = f.code as string;
    if (codes.has(code)) fail(item, `fact ${code} is defined twice`);
    codes.add(code);
    if (!ROUTE_IDS.includes(f.route as RouteId)) fail(item, `${code}: unknown route ${JSON.stringify(f.route)}`);
    if (!(MODEL_FACT_KINDS as readonly unknown[]).includes(f.kind)) fail(item, `${code}: kind must be one of ${MODEL_FACT_KINDS.join(', ')}`);
    if (typeof f.keeps !== 'string') fail(item, `${code}: an input-name fact needs \`keeps\` (a regular expression)`);
    try {
      new RegExp(f.keeps as string, 'u');
    } catch (err) {
      fail(item, `${code}: keeps is not a regular expression (${(err as Error).message})`);
    }
    if (!Array.isArray(f.evidence) || f.evidence.length === 0) fail(item, `${code}: evidence must be a non-empty list`);
    const evidence = (f.evidence as Record<string, unknown>[]).map((e) => {
      if (!(EVIDENCE_KINDS as readonly unknown[]).includes(e?.kind) || typeof e.ref !== 'string' || typeof e.note !== 'string') {
        fail(item, `${code}: each evidence needs kind (${EVIDENCE_KINDS.join(', ')}), ref and note`);
      }
      return { kind: e.kind, ref: e.ref, note: e.note } as Evidence;
    });
    const provenBy = f.proven_by;
    if (provenBy !== undefined && (typeof provenBy !== 'string' || !provenBy)) fail(item, `${code}: proven_by must name a test`);
    if (f.unproven !== undefined && f.unproven !== true) fail(item, `${code}: unproven may only be true`);
    if ((provenBy === undefined) === (f.unproven === undefined)) fail(item, `${code}: needs exactly one of proven_by and unproven: true`);
    if (!Array.isArray(f.fixes)) fail(item, `${code}: fixes must be a list`);
    const fixes = (f.fixes as Record<string, unknown>[]).map((x) => {
      if (!(MODEL_FIX_KINDS as readonly unknown[]).includes(x?.kind) || typeof x.command !== 'string') {
        fail(item, `${code}: each fix needs kind (${MODEL_FIX_KINDS.join(', ')}) and command`);
      }
      return { kind: x.kind, command: x.command, ...(typeof x.note === 'string' ? { note: x.note } : {}) } as ModelFix;
    });
    return {
      code, route: f.route as RouteId, kind: f.kind as ModelFactKind, keeps: f.keeps as string, evidence,
      provenBy: (provenBy as string | undefined) ?? null, unproven: f.unproven === true, fixes, line: lineOf(item),
    };
  });
  return {
    exportOpsets: { min: eo!.min as number, torchscriptMax: eo!.torchscript_max as number, evidence: eo!.evidence as string },
    routes, facts,
  };
}
