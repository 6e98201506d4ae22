// Evaluates a rule's condition to a list of bindings: each binding is one way the condition
// holds (a generic rule like "two distributions provide X" fires once per X). Empty = false.
import { majorMinor, satisfies } from '../matrix/pep440.js';
import type { Condition, ImportFilter } from '../matrix/types.js';
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

export function evaluateCondition(c: Condition, ctx: ConditionContext): Binding[] {
  const { facts } = ctx;
  const snap = facts.snapshot;
  if ('all' in c) {
    let acc: Binding[] = TRUE;
    for (const part of c.all) {
      if (acc.length === 0) return FALSE;
      const next = evaluateCondition(part, ctx);
      acc = acc.flatMap((a) => next.map((b) => ({ ...a, ...b })));
    }
    return acc;
  }
  if ('any' in c) return c.any.flatMap((part) => evaluateCondition(part, ctx));
  if ('not' in c) return evaluateCondition(c.not, ctx).length > 0 ? FALSE : TRUE;
  if ('installed' in c) return facts.providers(c.installed).length > 0 ? TRUE : FALSE;
  if ('missing' in c) return facts.providers(c.missing).length === 0 ? TRUE : FALSE;
  if ('version' in c) {
    return facts.providers(c.version.package).some((d) => satisfies(d.version, c.version.spec)) ? TRUE : FALSE;
  }
  if ('python' in c) return satisfies(snap.python.version, c.python) ? TRUE : FALSE;
  if ('platform' in c) {
    const ok = (c.platform.system === undefined || c.platform.system === snap.platform.system)
      && (c.platform.machine === undefined || c.platform.machine === snap.platform.machine);
    return ok ? TRUE : FALSE;
  }
  if ('env' in c) {
    const value = snap.envVars[c.env.name];
    if (c.env.set !== undefined && (value !== undefined) !== c.env.set) return FALSE;
    if (c.env.equals && (value === undefined || !c.env.equals.includes(value))) return FALSE;
    return TRUE;
  }
  if ('planned' in c) return snap.planned === c.planned ? TRUE : FALSE;
  if ('minor_mismatch' in c) {
    const a = facts.providers(c.minor_mismatch.package)[0];
    const b = facts.providers(c.minor_mismatch.with)[0];
    if (!a || !b) return FALSE;
    const ma = majorMinor(a.version);
    const mb = majorMinor(b.version);
    if (!ma || !mb || ma === mb) return FALSE;
    return [{ package: a.displayName, package_version: a.version, with: b.displayName, with_version: b.version, package_minor: ma, with_minor: mb }];
  }
  if ('constraint_violated' in c) {
    const out: Binding[] = [];
    for (const k of facts.matrix.constraints) {
      if (c.constraint_violated.package && k.package !== c.constraint_violated.package) continue;
      if (c.constraint_violated.dependency && k.dependency !== c.constraint_violated.dependency) continue;
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
  }
  if ('python_unsupported' in c) {
    const out: Binding[] = [];
    for (const s of facts.matrix.pythonSupport) {
      if (c.python_unsupported.package && s.package !== c.python_unsupported.package) continue;
      for (const p of facts.providers(s.package)) {
        if (!satisfies(p.version, s.versions) || satisfies(snap.python.version, s.python)) continue;
        out.push({ package: p.displayName, package_version: p.version, supported: s.python });
      }
    }
    return dedupe(out);
  }
  if ('duplicate_providers' in c) {
    const out: Binding[] = [];
    for (const imp of selectImports(facts.trackedImports(), c.duplicate_providers)) {
      const dists = facts.importProviders(imp);
      if (dists.length < 2) continue;
      out.push({
        import: imp,
        providers: dists.map((d) => `${d.displayName} ${d.version}`).join(', '),
        provider_names: dists.map((d) => d.name).join(' '),
      });
    }
    return out;
  }
  if ('record_overlap' in c) {
    if (snap.planned) return FALSE;
    const f = c.record_overlap;
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
  }
  if ('export_op_gaps' in c) {
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
  }
  return FALSE;
}

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
