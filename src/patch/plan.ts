// Decides, per patch and per file, what applying the catalogue to one environment would do.
// Decisions are by hash (original -> apply, patched -> nothing to do, else conflict); every
// 'apply' carries the new bytes, already computed in memory and checked against patched_sha256,
// so a plan with no blocked patch is known to succeed before anything is written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { satisfiesExcludingPre } from '../matrix/pep440.js';
import { UserError } from '../util/errors.js';
import type { EnvSnapshot } from '../env/types.js';
import { DiffError, applyFileDiff, sha256 } from './diff.js';
import type { Catalogue, FilePlan, PatchPlan, PatchSpec } from './types.js';

/** Reads a file's bytes, or null when it does not exist. */
export type FileReader = (absPath: string) => Promise<Buffer | null>;

// sync underneath: `check` reads every target file of the catalogue on each run, where async reads
// cost several event-loop round trips apiece
export const readOrNull: FileReader = async (absPath) => {
  try {
    return readFileSync(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
};

export interface PlanOptions {
  /** patch ids to consider (their `requires` come along); default: the whole catalogue */
  only?: string[];
  /** apply over conflicting files (keeping a backup) when the diff still applies to them */
  force?: boolean;
  read?: FileReader;
}

/** Patch ids selected by --only, with everything they require, in catalogue (dependency) order. */
export function selectPatches(catalogue: Catalogue, only: string[] | undefined): PatchSpec[] {
  if (!only || only.length === 0) return catalogue.patches;
  const byId = new Map(catalogue.patches.map((p) => [p.id, p]));
  const wanted = new Set<string>();
  const add = (id: string) => {
    if (wanted.has(id)) return;
    const p = byId.get(id);
    if (!p) {
      throw new UserError(`unknown patch id "${id}"`, `known ids: ${catalogue.patches.map((q) => q.id).join(', ') || '(the catalogue is empty)'}`);
    }
    wanted.add(id);
    p.requires.forEach(add);
  };
  only.forEach(add);
  return catalogue.patches.filter((p) => wanted.has(p.id));
}

function dependsOn(p: PatchSpec, id: string, all: readonly PatchSpec[], seen = new Set<string>()): boolean {
  return p.requires.some((r) => {
    if (r === id) return true;
    if (seen.has(r)) return false;
    seen.add(r);
    const q = all.find((x) => x.id === r);
    return q !== undefined && dependsOn(q, id, all, seen);
  });
}

/**
 * Per file of `spec`, the hashes that mean "this patch's edit is in place" and "not yet made",
 * counting patches chained on the same file: when B requires A and both edit f, f holding B's
 * result means A's edit is in place too, and f holding A's original means B's edit is not made yet.
 */
export function chainHashes(spec: PatchSpec, all: readonly PatchSpec[]): Map<string, { patched: Set<string | null>; original: Set<string | null> }> {
  const out = new Map<string, { patched: Set<string | null>; original: Set<string | null> }>();
  for (const f of spec.files) out.set(f.path, { patched: new Set([f.patchedSha256]), original: new Set([f.originalSha256]) });
  for (const other of all) {
    if (other.id === spec.id || other.distribution !== spec.distribution) continue;
    const later = dependsOn(other, spec.id, all);
    const earlier = dependsOn(spec, other.id, all);
    if (!later && !earlier) continue;
    for (const f of other.files) {
      const entry = out.get(f.path);
      if (!entry) continue;
      if (later) entry.patched.add(f.patchedSha256);
      else entry.original.add(f.originalSha256);
    }
  }
  return out;
}

export async function planPatches(catalogue: Catalogue, snapshot: EnvSnapshot, opts: PlanOptions = {}): Promise<PatchPlan[]> {
  if (snapshot.planned) {
    throw new UserError('patches apply to an installed environment, not a requirements file', 'pass the env with --venv, --conda-env, --prefix or --python');
  }
  const read = opts.read ?? readOrNull;
  const selected = selectPatches(catalogue, opts.only);
  // bytes as they will be once earlier patches in this plan are applied (patches may share a file)
  const virtual = new Map<string, Buffer | null>();
  const current = async (abs: string) => (virtual.has(abs) ? virtual.get(abs)! : read(abs));
  const plans: PatchPlan[] = [];
  for (const spec of selected) {
    const plan = await planOne(spec, snapshot, catalogue.patches, current, plans, opts.force === true);
    if (plan.decision === 'apply') {
      for (const f of plan.files) if (f.newContent !== undefined) virtual.set(f.absPath, f.newContent);
    }
    plans.push(plan);
  }
  return plans;
}

async function planOne(
  spec: PatchSpec, snapshot: EnvSnapshot, all: PatchSpec[],
  current: (abs: string) => Promise<Buffer | null>, earlier: PatchPlan[], force: boolean,
): Promise<PatchPlan> {
  const base = { id: spec.id, spec, files: [] as FilePlan[] };
  const dist = snapshot.distributions[spec.distribution];
  if (!dist) return { ...base, decision: 'skip', reason: `${spec.distribution} is not installed` };
  const where = {
    distributionVersion: dist.version,
    ...(dist.location ? { location: dist.location } : {}),
    ...(dist.condaOwned ? { condaOwned: true } : {}),
  };
  if (!satisfiesExcludingPre(dist.version, spec.versions)) {
    return { ...base, ...where, decision: 'skip', reason: `made for ${spec.distribution}${spec.versions}, installed ${dist.version}` };
  }
  if (!dist.location) return { ...base, ...where, decision: 'blocked', reason: `${spec.distribution} ${dist.version} has no known location` };
  for (const r of spec.requires) {
    const req = earlier.find((p) => p.id === r);
    if (!req || req.decision === 'skip' || req.decision === 'blocked') {
      return { ...base, ...where, decision: 'blocked', reason: `requires patch ${r}, which is ${req ? (req.decision === 'skip' ? 'skipped' : 'blocked') : 'not selected'}` };
    }
  }
  const record = new Set(dist.files.map((f) => f.replace(/\\/g, '/')));
  const chain = chainHashes(spec, all);
  const files: FilePlan[] = [];
  const problems: string[] = [];
  for (const [i, f] of spec.files.entries()) {
    const absPath = join(dist.location, f.path);
    if (f.originalSha256 !== null && !record.has(f.path)) {
      problems.push(`${f.path} is not in ${spec.distribution}'s RECORD (a different build?)`);
      files.push({ path: f.path, absPath, action: 'missing', currentSha256: null, expectedOriginal: f.originalSha256, expectedPatched: f.patchedSha256 });
      continue;
    }
    const bytes = await current(absPath);
    const sha = bytes === null ? null : sha256(bytes);
    const fp: FilePlan = { path: f.path, absPath, action: 'conflict', currentSha256: sha, expectedOriginal: f.originalSha256, expectedPatched: f.patchedSha256 };
    if (sha === f.patchedSha256 || (sha !== null && chain.get(f.path)!.patched.has(sha))) {
      fp.action = 'already-applied';
    } else if (sha === f.originalSha256) {
      fp.action = 'apply';
      try {
        fp.newContent = applyFileDiff(bytes, spec.diff[i]!);
      } catch (err) {
        if (!(err instanceof DiffError)) throw err;
        problems.push(`catalogue error: ${err.message} although the file has the original hash`);
      }
      const got = fp.newContent ? sha256(fp.newContent) : null;
      if (fp.newContent !== undefined && got !== f.patchedSha256) {
        problems.push(`catalogue error: the diff turns ${f.path} into sha256 ${got ?? 'null (deleted)'}, not patched_sha256 ${f.patchedSha256}`);
      }
    } else if (bytes === null && f.originalSha256 !== null) {
      fp.action = 'missing';
      problems.push(`${f.path} is listed in RECORD but missing on disk`);
    } else {
      fp.action = 'conflict';
      if (force) {
        // only a diff that still applies exactly can be forced; the unknown bytes are backed up
        try {
          fp.newContent = f.originalSha256 === null ? applyFileDiff(null, spec.diff[i]!) : applyFileDiff(bytes, spec.diff[i]!);
          fp.forced = true;
        } catch (err) {
          if (!(err instanceof DiffError)) throw err;
          problems.push(`${f.path} has unexpected content (sha256 ${sha}) and --force cannot apply the diff to it: ${err.message}`);
        }
      } else {
        problems.push(`${f.path} has unexpected content: sha256 ${sha ?? '(absent)'}, expected the original ${f.originalSha256 ?? '(absent)'} or the patched ${f.patchedSha256 ?? '(absent)'}`);
      }
    }
    files.push(fp);
  }
  if (problems.length) return { ...base, ...where, files, decision: 'blocked', reason: problems.join('; ') };
  const decision = files.every((f) => f.action === 'already-applied') ? 'already-applied' : 'apply';
  return { ...base, ...where, files, decision };
}

/**
 * Catalogue self-check for one file of a patch: applying the diff to bytes whose sha256 is
 * original_sha256 must give exactly patched_sha256. Returns null when it does, else what is wrong.
 */
export function checkPatchAgainst(spec: PatchSpec, path: string, original: Uint8Array | null): string | null {
  const i = spec.files.findIndex((f) => f.path === path);
  if (i === -1) return `${spec.id} does not touch ${path}`;
  const f = spec.files[i]!;
  const have = original === null ? null : sha256(original);
  if (have !== f.originalSha256) return `${path}: sha256 ${have ?? '(absent)'} is not original_sha256 ${f.originalSha256 ?? '(absent)'}`;
  let out: Buffer | null;
  try {
    out = applyFileDiff(original, spec.diff[i]!);
  } catch (err) {
    if (err instanceof DiffError) return err.message;
    throw err;
  }
  const got = out === null ? null : sha256(out);
  return got === f.patchedSha256 ? null : `${path}: the diff gives sha256 ${got ?? '(deleted)'}, not patched_sha256 ${f.patchedSha256 ?? '(deleted)'}`;
}
