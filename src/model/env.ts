// The model check in an environment (check --model): the env's onnx-tf and onnx, the patches applied there
// (their handlers count) and the catalogue patches that would apply (offered as closers); then the routes
// the model stops lose their viability in the diagnosis.
import type { AppliedPatch, Diagnosis } from '../diagnose/types.js';
import type { EnvSnapshot } from '../env/types.js';
import { satisfies } from '../matrix/pep440.js';
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
