// The rule engine: matrix + snapshot (+ deep-probe outcomes, + applied patches) -> findings and routes.
import type { EnvSnapshot } from '../env/types.js';
import { conditionKind, conditionParts, type Condition, type Fix, type Matrix, type PinSpec, type Rule, type Severity } from '../matrix/types.js';
import { pinCommand } from '../report/pin-command.js';
import { evaluateCondition, type ConditionContext } from './conditions.js';
import { Facts } from './facts.js';
import { compareWithImports } from './observe.js';
import { render } from './template.js';
import type { Diagnosis, EvaluateOptions, Finding, RouteVerdict } from './types.js';

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Built-in finding when the op-gap predictor (src/optables) could not be loaded. */
export const OP_GAP_UNAVAILABLE = 'OP_GAP_PREDICTION_UNAVAILABLE';

export function evaluate(matrix: Matrix, snapshot: EnvSnapshot, opts: EvaluateOptions = {}): Diagnosis {
  const facts = new Facts(matrix, snapshot);
  const applied = opts.appliedPatches ?? [];
  const extraHandlers: Record<string, number[]> = {};
  for (const p of applied) {
    for (const [op, versions] of Object.entries(p.addsHandlers ?? {})) (extraHandlers[op] ??= []).push(...versions);
  }
  const ctx: ConditionContext = { facts, predictExportGaps: opts.predictExportGaps ?? null, extraHandlers };
  const fired: { rule: Rule; finding: Finding }[] = [];

  for (const rule of matrix.rules) {
    if (opts.onlyCodes && !opts.onlyCodes.has(rule.code)) continue;
    const bindings = evaluateCondition(rule.when, ctx);
    const seen = new Set<string>();
    for (const b of bindings) {
      const finding: Finding = {
        code: rule.code,
        severity: rule.severity,
        title: render(rule.title, b, facts),
        message: render(rule.message, b, facts),
        packages: packagesOf(rule, b, facts),
        evidence: rule.evidence,
        fixes: rule.fixes.map((f) => renderFix(f, b, facts)),
        blocks: [...rule.blocks],
        provenBy: rule.provenBy ?? null,
        unproven: rule.unproven === true,
        args: { ...b },
      };
      if (seen.has(finding.message)) continue;
      seen.add(finding.message);
      // a patch-aware condition (op gaps count patched handlers) already judged the patched env
      const patch = patchAware(rule.when) ? null : fixingPatch(rule, applied);
      if (patch) {
        finding.fixedByPatch = patch;
        finding.severity = 'info';
        finding.blocks = [];
        finding.message = `fixed by patch ${patch}: ${finding.message}`;
      }
      fired.push({ rule, finding });
    }
  }

  const findings = fired.map((f) => f.finding);
  if (ctx.opGapUnavailable) {
    findings.push({
      code: OP_GAP_UNAVAILABLE,
      severity: 'info',
      title: 'op-gap prediction unavailable',
      message: (ctx.opGapError ? `The op-gap predictor failed (${ctx.opGapError}), ` : 'The op tables (src/optables) are not available in this build, ')
        + `so check cannot predict which op versions torch ${facts.version('torch')}'s default export emits that onnx-tf cannot convert.`,
      packages: [{ name: 'torch', version: facts.version('torch') }],
      evidence: [],
      fixes: [{ kind: 'route', route: 'native', command: 'tfdoctor convert model.onnx', note: 'the native converter reports unsupported ops per model' }],
      blocks: [],
      provenBy: null,
      unproven: true,
    });
  }

  const diagnosis: Diagnosis = { findings, routes: [], disagreements: [] };
  if (opts.deep) {
    diagnosis.disagreements = compareWithImports(fired, matrix.rules, opts.deep, facts);
    diagnosis.imports = opts.deep;
  }
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  diagnosis.routes = routeVerdicts(matrix, findings);
  return diagnosis;
}

/** A rule's fix for one binding: templates filled; a pin fix's data rendered and its command written from it. */
function renderFix(f: Fix, b: Record<string, string>, facts: Facts): Fix {
  const note = f.note ? { note: render(f.note, b, facts) } : {};
  if (!f.pin) return { ...f, command: render(f.command, b, facts), ...note };
  const pin: PinSpec = {
    install: Object.fromEntries(Object.entries(f.pin.install).map(([name, spec]) => [name, render(spec, b, facts)])),
    // a list placeholder ({provider_names}) renders as several names
    remove: f.pin.remove.flatMap((r) => render(r, b, facts).split(/\s+/).filter(Boolean)),
    ...(f.pin.separateEnv ? { separateEnv: { ...f.pin.separateEnv } } : {}),
  };
  return { ...f, pin, command: pinCommand(pin), ...note };
}

/** Conditions whose evaluation already sees applied patches (the op-gap prediction). */
function patchAware(c: Condition): boolean {
  return conditionKind(c) === 'export_op_gaps' || conditionParts(c).some(patchAware);
}

/** A rule is fixed by patches when an applied patch names its code, or all of its patch fixes are applied. */
function fixingPatch(rule: Rule, applied: EvaluateOptions['appliedPatches'] & object): string | null {
  const named = applied.find((p) => p.fixes?.includes(rule.code));
  if (named) return named.id;
  const patchIds = rule.fixes.filter((f) => f.kind === 'patch').map((f) => f.patch!);
  if (patchIds.length === 0) return null;
  return patchIds.every((id) => applied.some((p) => p.id === id)) ? patchIds.join(', ') : null;
}

function packagesOf(rule: Rule, b: Record<string, string>, facts: Facts): Finding['packages'] {
  const names = new Set(rule.packages);
  const out: Finding['packages'] = [];
  for (const n of names) {
    const providers = facts.providers(n);
    if (providers.length === 0) out.push({ name: n, version: null });
    for (const p of providers) out.push({ name: p.name, version: p.version });
  }
  for (const key of ['provider_names', 'owner_names']) {
    for (const n of (b[key] ?? '').split(' ').filter(Boolean)) {
      if (!out.some((p) => p.name === n)) out.push({ name: n, version: facts.dist(n)?.version ?? null });
    }
  }
  return out;
}

export function routeVerdicts(matrix: Matrix, findings: Finding[]): RouteVerdict[] {
  return matrix.routes.map((r) => {
    const blockers = [...new Set(findings.filter((f) => f.blocks.includes(r.id)).map((f) => f.code))];
    const v: RouteVerdict = { id: r.id, title: r.title, summary: r.summary, viable: blockers.length === 0, blockers };
    if (r.note) v.note = r.note;
    return v;
  });
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}
