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
  /** the opset the model's own ops were resolved at */
  resolvedAt: number | null;
  /** patches counted, and candidates offered as closers: op -> versions their handlers add */
  counted: string[];
  candidates: { id: string; addsHandlers: Record<string, number[]> }[];
}

function gapOf(m: ModelOp, table: RouteTable, version: number | null): boolean | 'conditional' {
  if (version === null) return true;
  const c = table.covers(m.op, m.domain, version);
  return c === true ? false : c === 'conditional' ? 'conditional' : true;
}

/** The coverage of `model` by a route whose table is known. */
export function coverageWith(model: ModelOps, spec: RouteCoverageSpec, table: RouteTable, opsets: ModelSpec['exportOpsets']): RouteModelCoverage {
  const gaps: OpGap[] = [];
  const conditional: string[] = [];
  const versionAt = (m: ModelOp, opset: number): number | null => (m.domain === '' ? table.resolve(m.op, opset) : m.version);
  // re-export opsets, highest first (the model's own opset excluded: that is the export that has the gap)
  const tries: number[] = [];
  for (let o = opsets.torchscriptMax; o >= opsets.min; o--) if (o !== model.opset) tries.push(o);
  for (const m of model.ops) {
    const version = m.domain === '' && table.resolvedAt !== null ? table.resolve(m.op, table.resolvedAt) : m.version;
    const g = gapOf(m, table, version);
    if (g === 'conditional') conditional.push(m.op);
    if (g !== true) continue;
    const closingOpset = m.domain !== '' ? null : (tries.find((o) => {
      const v = versionAt(m, o);
      return v !== null && table.covers(m.op, m.domain, v) !== false;
    }) ?? null);
    const patches = version === null || m.domain !== '' ? [] : table.candidates.filter((p) => p.addsHandlers[m.op]?.includes(version)).map((p) => p.id);
    gaps.push({ op: m.op, domain: m.domain, version, node: m.node, closedBy: { opset: closingOpset, patches } });
  }
  const closingOpset = gaps.length === 0 || gaps.some((g) => g.domain !== '') ? null : (tries.find((o) => model.ops.every((m) => {
    const v = versionAt(m, o);
    return v !== null && table.covers(m.op, m.domain, v) !== false;
  })) ?? null);
  return {
    route: spec.route, coverage: spec.coverage, status: gaps.length ? 'gap' : 'covered', gaps, firstGap: gaps[0] ?? null,
    closingOpset, resolvedAt: table.resolvedAt, counted: table.counted, conditional,
  };
}

/** A route without a table: unknown or not applicable, said as data. */
export function coverageWithout(spec: RouteCoverageSpec, reason: NonNullable<RouteModelCoverage['reason']>, found?: string): RouteModelCoverage {
  return {
    route: spec.route, coverage: spec.coverage, status: spec.coverage === 'not-applicable' ? 'not-applicable' : 'unknown',
    gaps: [], firstGap: null, closingOpset: null, resolvedAt: null, counted: [], conditional: [], reason,
    ...(spec.versions ? { versions: spec.versions } : {}), ...(found ? { found } : {}), ...(spec.note ? { note: spec.note } : {}),
  };
}
