// A model's (op, version) pairs against one route's coverage: the gaps in graph order (the first is
// where the converter stops), and for each the highest export opset and the patches that close it.
// A route's coverage is a predicate over (op, domain, version) plus the version an op resolves to at
// an opset; the tables behind them are built in index.ts.
import type { RouteId } from '../matrix/types.js';
import type { ModelOp, ModelOps } from './read.js';
import type { CoverageKind, ModelSpec, RouteCoverageSpec } from './spec.js';

export interface OpGap {
  op: string;
  domain: string;
  version: number | null;
  /** the first node that uses it */
  node: string;
  closedBy: {
    /** the highest opset a re-export may use at which this op resolves to a covered version; null: none */
    opset: number | null;
    /** patches (not yet counted) whose handlers cover it */
    patches: string[];
    /**
     * with no covering opset: the highest opset below the op's first version, where an export must write it
     * with other ops (torch decomposes it); whether those are covered is not judged here. null: none
     */
    below: number | null;
  };
}

export type CoverageStatus = 'covered' | 'gap' | 'unknown' | 'not-applicable';

export interface RouteModelCoverage {
  route: RouteId;
  coverage: CoverageKind;
  status: CoverageStatus;
  gaps: OpGap[];
  firstGap: OpGap | null;
  /** with gaps: the highest export opset at which none of the model's ops is a gap; null when none is */
  closingOpset: number | null;
  /**
   * with gaps and no closing opset: the highest opset at which every op is covered or does not exist yet
   * (so the exporter writes it with other ops, not judged here); null when none is
   */
  decomposedOpset: number | null;
  /** the opset op versions were resolved at (onnx-tf: the installed onnx's max opset when lower) */
  resolvedAt: number | null;
  /** patches whose handlers count as covered */
  counted: string[];
  /** ops covered only when they fold to constants (native: shape arithmetic) */
  conditional: string[];
  /** unknown / not-applicable: why, as data */
  reason?: 'no-table' | 'not-onnx-input' | 'converter-version';
  /** the converter release the table holds for, and the one found, for reason converter-version */
  versions?: string;
  found?: string;
  /** model.yaml's note on the route's coverage */
  note?: string;
}

/** What a route covers: 'conditional' = only when the node folds to a constant. */
export type Covers = (op: string, domain: string, version: number) => boolean | 'conditional';

export interface RouteTable {
  covers: Covers;
  /** the since_version `op` resolves to in a model at `opset`, as the route resolves it; null: no such op then */
  resolve: (op: string, opset: number) => number | null;
  /** the op's first since_version in the ai.onnx schemas; undefined: onnx does not define it */
  firstVersion: (op: string) => number | undefined;
  /** the opset the model's own ops were resolved at */
  resolvedAt: number | null;
  /** patches counted, and candidates offered as closers: op -> versions their handlers add */
  counted: string[];
  candidates: { id: string; addsHandlers: Record<string, number[]> }[];
}

function gapOf(m: ModelOp, table: RouteTable, version: number | null): boolean | 'conditional' {
  // true: a gap; 'conditional': covered only when it folds
  if (version === null) return true;
  const c = table.covers(m.op, m.domain, version);
  return c === true ? false : c === 'conditional' ? 'conditional' : true;
}

/** The coverage of `model` by a route whose table is known. */
export function coverageWith(model: ModelOps, spec: RouteCoverageSpec, table: RouteTable, opsets: ModelSpec['exportOpsets']): RouteModelCoverage {
  const gaps: OpGap[] = [];
  const conditional: string[] = [];
  // re-export opsets, highest first (the model's own opset excluded: that is the export that has the gap)
  const tries: number[] = [];
  for (let o = opsets.torchscriptMax; o >= opsets.min; o--) if (o !== model.opset) tries.push(o);
  /** at opset o: covered, or (allowNew) an ai.onnx op that does not exist yet there */
  const okAt = (m: ModelOp, o: number, allowNew: boolean): boolean => {
    if (m.domain !== '') return table.covers(m.op, m.domain, m.version ?? 0) !== false && m.version !== null;
    const v = table.resolve(m.op, o);
    if (v === null) return allowNew && (table.firstVersion(m.op) ?? 0) > o;
    return table.covers(m.op, m.domain, v) !== false;
  };
  for (const m of model.ops) {
    const version = m.domain === '' && table.resolvedAt !== null ? table.resolve(m.op, table.resolvedAt) : m.version;
    const g = gapOf(m, table, version);
    if (g === 'conditional') conditional.push(m.op);
    if (g !== true) continue;
    const opset = m.domain !== '' ? null : (tries.find((o) => table.resolve(m.op, o) !== null && okAt(m, o, false)) ?? null);
    const first = m.domain === '' ? table.firstVersion(m.op) : undefined;
    const below = opset === null && first !== undefined && first - 1 >= opsets.min ? first - 1 : null;
    const patches = version === null || m.domain !== '' ? [] : table.candidates.filter((p) => p.addsHandlers[m.op]?.includes(version)).map((p) => p.id);
    gaps.push({ op: m.op, domain: m.domain, version, node: m.node, closedBy: { opset, patches, below } });
  }
  const closingOpset = gaps.length === 0 ? null : (tries.find((o) => model.ops.every((m) => okAt(m, o, false))) ?? null);
  const decomposedOpset = gaps.length === 0 || closingOpset !== null ? null : (tries.find((o) => model.ops.every((m) => okAt(m, o, true))) ?? null);
  return {
    route: spec.route, coverage: spec.coverage, status: gaps.length ? 'gap' : 'covered', gaps, firstGap: gaps[0] ?? null,
    closingOpset, decomposedOpset, resolvedAt: table.resolvedAt, counted: table.counted, conditional,
  };
}

/** A route without a table: unknown or not applicable, said as data. */
export function coverageWithout(spec: RouteCoverageSpec, reason: NonNullable<RouteModelCoverage['reason']>, found?: string): RouteModelCoverage {
  return {
    route: spec.route, coverage: spec.coverage, status: spec.coverage === 'not-applicable' ? 'not-applicable' : 'unknown',
    gaps: [], firstGap: null, closingOpset: null, decomposedOpset: null, resolvedAt: null, counted: [], conditional: [], reason,
    ...(spec.versions ? { versions: spec.versions } : {}), ...(found ? { found } : {}), ...(spec.note ? { note: spec.note } : {}),
  };
}
