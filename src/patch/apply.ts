// Applies a plan to an environment: only when every selected patch can apply (or is already
// applied), under the env's lock, after rolling back any run a crash interrupted.
import type { EnvSnapshot } from '../env/types.js';
import { ExitCode, UserError } from '../util/errors.js';
import { acquireLock } from './lock.js';
import { sha256 } from './diff.js';
import { planPatches, readOrNull, type PlanOptions } from './plan.js';
import { existingStateDir, foldJournal, readJournal, stateDirForWriting, type FileRecord, type PatchRecord } from './state.js';
import { checkWritable, recover, runTransaction, type FileWrite, type Recovery } from './txn.js';
import type { Catalogue, PatchPlan } from './types.js';

export interface ApplyOutcome {
  /** the plan the run acted on (computed under the lock, after recovery) */
  plans: PatchPlan[];
  recovered: Recovery | null;
  /** files written */
  written: number;
  stateDir: string;
}

export function blockedPlans(plans: readonly PatchPlan[]): PatchPlan[] {
  return plans.filter((p) => p.decision === 'blocked');
}

/** The file writes a plan implies, in order. */
export function writesOf(plans: readonly PatchPlan[], read: Map<string, Buffer | null>): FileWrite[] {
  const writes: FileWrite[] = [];
  for (const p of plans) {
    if (p.decision !== 'apply') continue;
    for (const f of p.files) {
      if (f.newContent === undefined) continue;
      writes.push({ patch: p.id, path: f.path, abs: f.absPath, from: read.get(`${p.id}\0${f.absPath}`) ?? null, to: f.newContent });
    }
  }
  return writes;
}

function refuseBlocked(plans: readonly PatchPlan[]): void {
  const blocked = blockedPlans(plans);
  if (blocked.length === 0) return;
  const conflicted = blocked.filter((p) => p.files.some((f) => f.action === 'conflict' || f.action === 'missing'));
  const reinstall = [...new Set(conflicted.map((p) => `${p.spec.distribution}==${p.distributionVersion}`))];
  throw new UserError(
    `refused, nothing was changed: ${blocked.map((p) => `${p.id}: ${p.reason}`).join('; ')}`,
    reinstall.length
      ? `to get the original files back: pip install --force-reinstall --no-deps ${reinstall.join(' ')} (or pass --force to patch over local edits, keeping a backup)`
      : undefined,
    ExitCode.Findings,
  );
}

/**
 * Plans with a reader that also remembers the bytes each apply starts from (the backup source),
 * so what is backed up is exactly what was hashed.
 */
async function planRemembering(catalogue: Catalogue, snapshot: EnvSnapshot, opts: PlanOptions) {
  const seen = new Map<string, Buffer | null>();
  const plans = await planPatches(catalogue, snapshot, {
    ...opts,
    read: async (abs) => {
      const bytes = await readOrNull(abs);
      seen.set(abs, bytes);
      return bytes;
    },
  });
  // per patch, the bytes before it: the disk for the first patch touching a file, the previous result after
  const before = new Map<string, Buffer | null>();
  const virtual = new Map<string, Buffer | null>();
  for (const p of plans) {
    for (const f of p.files) {
      const cur = virtual.has(f.absPath) ? virtual.get(f.absPath)! : seen.get(f.absPath) ?? null;
      before.set(`${p.id}\0${f.absPath}`, cur);
      if (p.decision === 'apply' && f.newContent !== undefined) virtual.set(f.absPath, f.newContent);
    }
  }
  return { plans, before };
}

export async function applyPatches(catalogue: Catalogue, snapshot: EnvSnapshot, opts: Omit<PlanOptions, 'read'> = {}): Promise<ApplyOutcome> {
  if (!snapshot.prefix) throw new UserError('the environment has no prefix to keep patch state in');
  // a first look without the lock: a read-only env or a conflict is refused before anything is created
  const first = await planRemembering(catalogue, snapshot, opts);
  refuseBlocked(first.plans);
  await checkWritable(writesOf(first.plans, first.before));
  const stateDir = await stateDirForWriting(snapshot.prefix);
  if (!stateDir) {
    throw new UserError(`no writable place for tfdoctor's patch journal (tried ${snapshot.prefix}/.tfdoctor and ~/.local/state/tfdoctor); nothing was changed`, undefined, ExitCode.Findings);
  }
  const release = acquireLock(stateDir, 'fix --apply-patches');
  try {
    const recovered = await recover(stateDir);
    const { plans, before } = await planRemembering(catalogue, snapshot, opts);
    refuseBlocked(plans);
    const writes = writesOf(plans, before);
    await checkWritable(writes);
    const toRecord = plans.filter((p) => p.decision === 'apply' || p.decision === 'already-applied');
    if (writes.length === 0) return { plans, recovered, written: 0, stateDir };
    const time = new Date().toISOString();
    const records: PatchRecord[] = toRecord.filter((p) => p.decision === 'apply').map((p) => ({
      id: p.id,
      distribution: p.spec.distribution,
      version: p.distributionVersion ?? '',
      location: p.location ?? '',
      fixes: p.spec.fixes,
      requires: p.spec.requires,
      appliedAt: time,
      files: p.files.map((f): FileRecord => {
        const from = before.get(`${p.id}\0${f.absPath}`) ?? null;
        return {
          path: f.path,
          abs: f.absPath,
          // for an already-patched file tfdoctor did not write, the catalogue's original is what revert needs
          original: f.action === 'already-applied' ? f.expectedOriginal : from === null ? null : sha256(from),
          patched: f.action === 'already-applied' ? f.currentSha256 : f.newContent ? sha256(f.newContent) : null,
          ...(f.forced ? { forced: true } : {}),
        };
      }),
    }));
    const result = await runTransaction(stateDir, 'apply', records.map((r) => r.id), writes,
      (txn) => ({ t: 'commit', txn, action: 'apply', records, time: new Date().toISOString() }));
    return { plans, recovered, written: result.written, stateDir };
  } finally {
    release();
  }
}

/** True when a run that a crash interrupted is pending in this env's journal. */
export async function hasInterruptedRun(prefix: string | null): Promise<boolean> {
  const dir = prefix ? await existingStateDir(prefix) : null;
  return dir !== null && foldJournal(await readJournal(dir)).incomplete !== null;
}
