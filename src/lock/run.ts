// Wires the lock use case to the real services: the matrix and its evaluator, the patch catalogue,
// the target pip's index (src/pyindex) and pip's resolver (referee.ts).
import { evaluate } from '../diagnose/evaluate.js';
import { loadExportGapPredictor } from '../diagnose/predictor.js';
import type { EnvSnapshot } from '../env/types.js';
import { loadMatrix } from '../matrix/load.js';
import type { Matrix } from '../matrix/types.js';
import { loadCatalogue } from '../patch/catalogue.js';
import { createIndexFacts } from '../pyindex/index.js';
import { incompatibility } from '../pyindex/tags.js';
import type { ReleaseFilter } from './domain.js';
import { lock, type LockDeps, type LockOutcome, type LockRequest } from './plan.js';
import type { Catalogue } from '../patch/types.js';
import type { ExportGapPredictor } from '../diagnose/types.js';
import { resolveWithPip } from './referee.js';
import { choosePip } from './pip-select.js';
import { verifyFiles } from './verify-files.js';
import { keepVerdict, readVerdict } from './referee-cache.js';
import { UserError } from '../util/errors.js';
import { loadLockSpecs } from './spec.js';
import { loadModelSpec } from '../model/spec.js';

export interface RunLockOptions {
  /** the interpreter whose pip settings (index, find-links, constraints) apply; default python3 on PATH */
  python?: string;
  offline: boolean;
  matrixDir?: string;
  /** pip's resolver timeout */
  timeoutMs?: number;
  progress?: (message: string) => void;
}

export const releaseFilter: ReleaseFilter = (release, target) => {
  const why = incompatibility(release, target);
  if (!why) return { ok: true };
  switch (why.kind) {
    case 'no-wheel-for-python': return { ok: false, tagsSeen: why.pythonsSeen };
    case 'no-wheel-for-platform': return { ok: false, tagsSeen: why.platformsSeen };
    case 'requires-python': return { ok: false, tagsSeen: why.requiresPython.map((r) => `Requires-Python ${r}`) };
    case 'sdist-only': return { ok: false, tagsSeen: ['sdist only'] };
    default: return { ok: false, tagsSeen: [why.kind] };
  }
};

/** The catalogue as the lock use case sees it: what each patch patches, fixes and adds (onnx-tf handlers). */
export function lockPatches(catalogue: Catalogue): LockDeps['patches'] {
  return catalogue.patches.map((p) => ({ id: p.id, distribution: p.distribution, versions: p.versions, fixes: p.fixes, addsHandlers: p.addsHandlers }));
}

/** The matrix evaluated on a planned snapshot with the named catalogue patches applied. */
export function matrixEvaluator(catalogue: Catalogue, predictor: ExportGapPredictor | null): LockDeps['evaluate'] {
  const byId = new Map(catalogue.patches.map((p) => [p.id, p]));
  return (m: Matrix, snapshot: EnvSnapshot, ids: string[], onlyCodes?: ReadonlySet<string>) => evaluate(m, snapshot, {
    predictExportGaps: predictor,
    ...(onlyCodes ? { onlyCodes } : {}),
    appliedPatches: ids.map((id) => {
      const p = byId.get(id)!;
      return { id, fixes: p.fixes, ...(p.addsHandlers ? { addsHandlers: p.addsHandlers } : {}) };
    }),
  }).findings;
}

export async function runLock(req: LockRequest, opts: RunLockOptions): Promise<{ outcome: LockOutcome; matrix: Matrix }> {
  const python = opts.python ?? 'python3';
  const [matrix, specs, catalogue, predictor, facts] = await Promise.all([
    loadMatrix(opts.matrixDir), loadLockSpecs(opts.matrixDir), loadCatalogue(), loadExportGapPredictor(),
    createIndexFacts({ python, offline: opts.offline, target: req.target }),
  ]);
  const patches = lockPatches(catalogue);
  const modelSpec = req.model ? loadModelSpec(opts.matrixDir) : undefined;
  const evaluateWith = matrixEvaluator(catalogue, predictor);
  const outcome = await lock(req, {
    matrix, specs, facts, filter: releaseFilter, evaluate: evaluateWith, patches, ...(modelSpec ? { modelSpec } : {}),
    referee: async (requirements, constraints) => {
      // pip >= 25.3 (from its wheel, on the target interpreter, with the user's pip configuration) reads
      // PEP 658 metadata instead of downloading every wheel of the closure, as older pips do in a dry run
      const timeoutMs = opts.timeoutMs ?? 900_000;
      const pip = await choosePip(req.target, { python, timeoutMs, prefer: 'wheel' });
      const key = { requirements, constraints, target: req.target, context: [pip.python, pip.pipVersion, JSON.stringify(facts.config)] };
      const kept = await readVerdict(key);
      if (kept) {
        opts.progress?.(`pip's verdict on these pins is cached (${kept.kind})`);
        return opts.offline ? kept : verifyFiles(kept, { timeoutMs: 60_000 });
      }
      if (opts.offline) throw new UserError('--offline: pip\'s verdict on these pins is not cached', 'run the same lock once without --offline');
      const outcome = await resolveWithPip({ python, target: req.target, requirements, constraints, timeoutMs, pip });
      await keepVerdict(key, outcome);
      // a dry run reads metadata only: ask the index for every chosen file too
      return verifyFiles(outcome, { timeoutMs: 60_000 });
    },
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  return { outcome, matrix };
}
