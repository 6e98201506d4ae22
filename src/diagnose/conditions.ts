// Evaluates a rule's condition to a list of bindings: each binding is one way the condition
// holds (a generic rule like "two distributions provide X" fires once per X). Empty = false.
// One evaluator per condition kind, in a record over the kinds of matrix/types.ts: a kind without
// an evaluator is a compile error.
import { majorMinor, satisfies } from '../matrix/pep440.js';
import { conditionArgs, conditionKind, type Condition, type ConditionArgs, type ConditionKind, type ImportFilter } from '../matrix/types.js';
import type { ExportGapPredictor } from './types.js';
import type { Facts } from './facts.js';

export type Binding = Record<string, string>;

const TRUE: Binding[] = [{}];
const FALSE: Binding[] = [];

export interface ConditionContext {
  facts: Facts;
  predictExportGaps: ExportGapPredictor | null;
  /** onnx-tf handler versions added by applied patches (op -> since_versions) */
  extraHandlers?: Readonly<Record<string, readonly number[]>>;
  /** set when a condition needed the op-gap predictor and it was unavailable */
  opGapUnavailable?: boolean;
  /** why the predictor failed, when it threw */
  opGapError?: string;
}

type Evaluator<K extends ConditionKind> = (args: ConditionArgs[K], ctx: ConditionContext) => Binding[];

export function evaluateCondition(c: Condition, ctx: ConditionContext): Binding[] {
  return evaluateKind(conditionKind(c), c, ctx);
}

function evaluateKind<K extends ConditionKind>(kind: K, c: Condition, ctx: ConditionContext): Binding[] {
  const evaluator = EVALUATORS[kind] as Evaluator<K> | undefined;
  if (!evaluator) throw new Error(`no evaluator for condition kind "${String(kind)}"`);
  return evaluator(conditionArgs(c, kind), ctx);
}

const truth = (holds: boolean): Binding[] => (holds ? TRUE : FALSE);

const EVALUATORS: { [K in ConditionKind]: Evaluator<K> } = {
  all: (parts, ctx) => {
    let acc: Binding[] = TRUE;
    for (const part of parts) {
      if (acc.length === 0) return FALSE;
      const next = evaluateCondition(part, ctx);
      acc = acc.flatMap((a) => next.map((b) => ({ ...a, ...b })));
    }
    return acc;
  },
  any: (parts, ctx) => parts.flatMap((part) => evaluateCondition(part, ctx)),
  not: (part, ctx) => truth(evaluateCondition(part, ctx).length === 0),
  installed: (name, { facts }) => truth(facts.providers(name).length > 0),
  missing: (name, { facts }) => truth(facts.providers(name).length === 0),
  version: (v, { facts }) => truth(facts.providers(v.package).some((d) => satisfies(d.version, v.spec))),
  python: (spec, { facts }) => truth(satisfies(facts.snapshot.python.version, spec)),
  platform: (p, { facts }) => {
    const { platform } = facts.snapshot;
    return truth((p.system === undefined || p.system === platform.system) && (p.machine === undefined || p.machine === platform.machine));
  },
  env: (e, { facts }) => {
    const value = facts.snapshot.envVars[e.name];
    if (e.set !== undefined && (value !== undefined) !== e.set) return FALSE;
    if (e.equals && (value === undefined || !e.equals.includes(value))) return FALSE;
    return TRUE;
  },
  planned: (planned, { facts }) => truth(facts.snapshot.planned === planned),
  minor_mismatch: (m, { facts }) => {
    const a = facts.providers(m.package)[0];
    const b = facts.providers(m.with)[0];
    if (!a || !b) return FALSE;
    const ma = majorMinor(a.version);
    const mb = majorMinor(b.version);
    if (!ma || !mb || ma === mb) return FALSE;
    return [{ package: a.displayName, package_version: a.version, with: b.displayName, with_version: b.version, package_minor: ma, with_minor: mb }];
  },
  constraint_violated: (f, { facts }) => {
    const out: Binding[] = [];
    for (const k of facts.matrix.constraints) {
      if (f.package && k.package !== f.package) continue;
      if (f.dependency && k.dependency !== f.dependency) continue;
      for (const p of facts.providers(k.package)) {
        if (!satisfies(p.version, k.versions)) continue;
        for (const dep of facts.providers(k.dependency)) {
          if (satisfies(dep.version, k.requires)) continue;
          out.push({
            package: p.displayName, package_version: p.version, dependency: dep.displayName,
            dependency_version: dep.version, requires: k.requires,
          });
        }
      }
    }
    return dedupe(out);
  },
  python_unsupported: (f, { facts }) => {
    const out: Binding[] = [];
    for (const s of facts.matrix.pythonSupport) {
      if (f.package && s.package !== f.package) continue;
      for (const p of facts.providers(s.package)) {
        if (!satisfies(p.version, s.versions) || satisfies(facts.snapshot.python.version, s.python)) continue;
        out.push({ package: p.displayName, package_version: p.version, supported: s.python });
      }
    }
    return dedupe(out);
  },
  duplicate_providers: (f, { facts }) => {
    const out: Binding[] = [];
    for (const imp of selectImports(facts.trackedImports(), f)) {
      const dists = facts.importProviders(imp);
      if (dists.length < 2) continue;
      out.push({
        import: imp,
        providers: dists.map((d) => `${d.displayName} ${d.version}`).join(', '),
        provider_names: dists.map((d) => d.name).join(' '),
      });
    }
    return out;
  },
  record_overlap: (f, { facts }) => {
    if (facts.snapshot.planned) return FALSE;
    const out: Binding[] = [];
    for (const g of facts.recordOverlaps()) {
      const tops = [...new Set(g.files.map((file) => file.split('/')[0]!.replace(/\.py$/, '')))];
      if (f.import !== undefined && !tops.includes(f.import)) continue;
      if (f.exclude !== undefined && tops.every((t) => f.exclude!.includes(t))) continue;
      const top = f.import ?? tops[0]!;
      out.push({
        import: top,
        owners: g.owners.map((d) => `${d.displayName} ${d.version}`).join(', '),
        owner_names: g.owners.map((d) => d.name).join(' '),
        file_count: String(g.files.length),
        example: g.files.slice().sort()[0]!,
      });
    }
    return out;
  },
  export_op_gaps: (_target, ctx) => {
    const { facts } = ctx;
    const torch = facts.version('torch');
    if (!torch) return FALSE;
    if (!ctx.predictExportGaps) {
      ctx.opGapUnavailable = true;
      return FALSE;
    }
    let gaps: ReturnType<ExportGapPredictor>;
    try {
      gaps = ctx.predictExportGaps(torch, facts.version('onnx'), ctx.extraHandlers ?? {});
    } catch (err) {
      ctx.opGapUnavailable = true;
      ctx.opGapError = err instanceof Error ? err.message : String(err);
      return FALSE;
    }
    if (!gaps || gaps.unsupported.length === 0) return FALSE;
    return [{
      exporter: gaps.exporter,
      opset: String(gaps.opset),
      ops: gaps.unsupported.map((u) => `${u.op}-${u.version}`).join(', '),
      gap_evidence: gaps.evidence,
    }];
  },
};

function selectImports(tracked: string[], f: ImportFilter): string[] {
  if (f.import) return [f.import];
  return tracked.filter((t) => !(f.exclude ?? []).includes(t));
}

function dedupe(list: Binding[]): Binding[] {
  const seen = new Set<string>();
  return list.filter((b) => {
    const k = JSON.stringify(b);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
