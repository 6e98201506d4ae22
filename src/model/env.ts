// The model check in an environment (check --model): the env's onnx-tf and onnx, the patches applied there
// (their handlers count) and the catalogue patches that would apply (offered as closers); then the routes
// the model stops lose their viability in the diagnosis.
import { routeVerdicts } from '../diagnose/evaluate.js';
import type { AppliedPatch, Diagnosis } from '../diagnose/types.js';
import type { EnvSnapshot } from '../env/types.js';
import { satisfies } from '../matrix/pep440.js';
import { conditionArgs, conditionKind, conditionParts, type Condition, type Matrix, type RouteId } from '../matrix/types.js';
import { loadCatalogue } from '../patch/catalogue.js';
import { checkModel, modelBlockers, type ModelCheck } from './index.js';
import type { ModelOps } from './read.js';
import { loadModelSpec } from './spec.js';

export { readModelOps } from './read.js';

export async function checkModelInEnv(model: ModelOps, snapshot: EnvSnapshot, applied: AppliedPatch[], matrixDir?: string): Promise<ModelCheck> {
  const catalogue = await loadCatalogue();
  const version = (name: string) => snapshot.distributions[name]?.version ?? null;
  // a patch for a distribution that is not installed would apply once it is (the route's install)
  const candidates = catalogue.patches
    .filter((p) => Object.keys(p.addsHandlers).length > 0)
    .filter((p) => { const v = version(p.distribution); return v === null || satisfies(v, p.versions); })
    .map((p) => ({ id: p.id, addsHandlers: p.addsHandlers }));
  return checkModel(model, loadModelSpec(matrixDir), {
    onnxTf: version('onnx-tf'), onnx: version('onnx'),
    patches: applied.map((p) => ({ id: p.id, addsHandlers: p.addsHandlers ?? {} })), candidates,
  });
}

/**
 * With a model, the rules that predict torch's default export (an `export_op_gaps` condition) give way to
 * the model's own verdict on the route they predict for, when the model check could judge that route:
 * the model is what gets converted. Their findings leave the diagnosis (a gap the model has is the
 * model's MODEL_OP_GAP, added by blockRoutesByModel) and the route verdicts are recomputed. The codes
 * that gave way are recorded on the model check. Returns them.
 */
export function yieldPredictionsToModel(diagnosis: Diagnosis, check: ModelCheck, matrix: Matrix): string[] {
  const judged = new Set(check.routes.filter((r) => r.status === 'covered' || r.status === 'gap').map((r) => r.route));
  const predicted = new Map(matrix.rules.map((r) => [r.code, predictedRoutes(r.when)]));
  const gone = diagnosis.findings.filter((f) => predicted.get(f.code)?.some((route) => judged.has(route)));
  if (gone.length === 0) return [];
  diagnosis.findings = diagnosis.findings.filter((f) => !gone.includes(f));
  diagnosis.routes = routeVerdicts(matrix, diagnosis.findings);
  check.supersedes = [...new Set(gone.map((f) => f.code))];
  return check.supersedes;
}

/** The routes an `export_op_gaps` condition predicts for (outside a `not`). */
function predictedRoutes(c: Condition): RouteId[] {
  const kind = conditionKind(c);
  if (kind === 'export_op_gaps') return [conditionArgs(c, 'export_op_gaps').target];
  if (kind === 'not') return [];
  return conditionParts(c).flatMap(predictedRoutes);
}

/** A route the model stops is not viable; its verdict names the model's codes. Returns how many routes it stops. */
export function blockRoutesByModel(diagnosis: Diagnosis, check: ModelCheck): number {
  const blockers = modelBlockers(check);
  for (const r of diagnosis.routes) {
    const codes = blockers.get(r.id);
    if (!codes) continue;
    r.viable = false;
    r.blockers = [...r.blockers, ...codes];
  }
  return blockers.size;
}
