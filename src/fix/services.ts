// Wires `fix`'s plans to the real services, as src/lock/run.ts does for `lock`: the matrix evaluator
// with catalogue patches, lock.yaml, the target pip's index (src/pyindex) and pip's resolver as the
// referee (its verdicts cached by pins, target and pip configuration: src/lock/referee-cache.ts).
import { evaluate } from '../diagnose/evaluate.js';
import { loadExportGapPredictor } from '../diagnose/predictor.js';
import type { EnvSnapshot } from '../env/types.js';
import type { Matrix } from '../matrix/types.js';
import { loadCatalogue } from '../patch/catalogue.js';
import { createIndexFacts } from '../pyindex/index.js';
import { choosePip, findInterpreter } from '../lock/pip-select.js';
import { resolveWithPip } from '../lock/referee.js';
import { keepVerdict, readVerdict } from '../lock/referee-cache.js';
import { releaseFilter } from '../lock/run.js';
import { loadLockSpecs } from '../lock/spec.js';
import type { Target } from '../lock/types.js';
import { UserError } from '../util/errors.js';
import { proposeFixPlans, type FixPlans } from './plans.js';

export interface FixPlanOptions {
  offline: boolean;
  progress?: (message: string) => void;
  timeoutMs?: number;
}

/** The target the env is: its Python (a planned env's X.Y as the local X.Y interpreter has it) and platform. */
export async function targetOf(snapshot: EnvSnapshot): Promise<{ target: Target; pipPython: string }> {
  const platform = { system: snapshot.platform.system, machine: snapshot.platform.machine };
  if (!snapshot.planned && snapshot.python.executable) return { target: { python: snapshot.python.version, platform }, pipPython: snapshot.python.executable };
  const minor = snapshot.python.version.split('.').slice(0, 2).join('.');
  const local = await findInterpreter(minor, 15_000);
  return { target: { python: local?.version ?? snapshot.python.version, platform }, pipPython: local?.path ?? 'python3' };
}

export async function fixPlans(snapshot: EnvSnapshot, matrix: Matrix, opts: FixPlanOptions): Promise<FixPlans> {
  const { target, pipPython } = await targetOf(snapshot);
  const [specs, catalogue, predictor, facts] = await Promise.all([
    loadLockSpecs(matrix.dir), loadCatalogue(), loadExportGapPredictor(),
    createIndexFacts({ python: pipPython, offline: opts.offline, target }),
  ]);
  const byId = new Map(catalogue.patches.map((p) => [p.id, p]));
  const timeoutMs = opts.timeoutMs ?? 900_000;
  return proposeFixPlans(snapshot, target, {
    matrix, specs, facts, filter: releaseFilter,
    patches: catalogue.patches.map((p) => ({ id: p.id, distribution: p.distribution, versions: p.versions, fixes: p.fixes })),
    evaluate: (m, s, ids, onlyCodes) => evaluate(m, s, {
      predictExportGaps: predictor,
      ...(onlyCodes ? { onlyCodes } : {}),
      appliedPatches: ids.map((id) => {
        const p = byId.get(id)!;
        return { id, fixes: p.fixes, ...(p.addsHandlers ? { addsHandlers: p.addsHandlers } : {}) };
      }),
    }).findings,
    referee: async (requirements, constraints) => {
      const pip = await choosePip(target, { python: pipPython, timeoutMs, prefer: 'wheel' });
      const key = { requirements, constraints, target, context: [pip.python, pip.pipVersion, JSON.stringify(facts.config)] };
      const kept = await readVerdict(key);
      if (kept) return kept;
      if (opts.offline) throw new UserError('--offline: pip\'s verdict on these pins is not cached', 'run the same fix once without --offline');
      const outcome = await resolveWithPip({ python: pipPython, target, requirements, constraints, timeoutMs, pip });
      await keepVerdict(key, outcome);
      return outcome;
    },
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
}
