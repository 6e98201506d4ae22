// Puts back the byte-identical originals of patches tfdoctor applied, from its backups.
// A file that changed after patching (a reinstall, an edit) is refused by name; nothing is
// written unless every file of every selected patch can be restored.
import type { EnvSnapshot } from '../env/types.js';
import { ExitCode, UserError } from '../util/errors.js';
import { sha256 } from './diff.js';
import { acquireLock } from './lock.js';
import { readOrNull } from './plan.js';
import { existingStateDir, foldJournal, loadBackup, readJournal, type PatchRecord } from './state.js';
import { checkWritable, recover, runTransaction, type FileWrite, type Recovery } from './txn.js';

export interface RevertOptions {
  /** patch ids; empty with all=false is a usage error */
  ids: string[];
  all: boolean;
  /** ids the catalogue knows, so "not applied" can be told from "unknown" */
  knownIds?: string[];
}

export interface RevertOutcome {
  /** ids whose files were put back, or whose record was cleared because the files were original already */
  reverted: string[];
  /** ids asked for that tfdoctor has not applied (nothing to do) */
  notApplied: string[];
  written: number;
  recovered: Recovery | null;
}

export async function revertPatches(snapshot: EnvSnapshot, opts: RevertOptions): Promise<RevertOutcome> {
  if (!opts.all && opts.ids.length === 0) throw new UserError('name a patch id to revert, or pass --all');
  if (!snapshot.prefix) throw new UserError('the environment has no prefix');
  const stateDir = await existingStateDir(snapshot.prefix);
  if (!stateDir) {
    const unknown = opts.ids.filter((id) => opts.knownIds && !opts.knownIds.includes(id));
    if (unknown.length) throw new UserError(`unknown patch id "${unknown[0]}"`);
    return { reverted: [], notApplied: opts.all ? [] : opts.ids, written: 0, recovered: null };
  }
  const release = acquireLock(stateDir, 'patch revert');
  try {
    const recovered = await recover(stateDir);
    const { applied } = foldJournal(await readJournal(stateDir));
    const order = [...applied.values()]; // apply order
    const unknown = opts.ids.filter((id) => !applied.has(id) && opts.knownIds && !opts.knownIds.includes(id));
    if (unknown.length) throw new UserError(`unknown patch id "${unknown[0]}"`);
    const selected = opts.all ? order : order.filter((r) => opts.ids.includes(r.id));
    const notApplied = opts.all ? [] : opts.ids.filter((id) => !applied.has(id));
    // a patch another applied patch builds on goes only together with it
    for (const r of selected) {
      const dependent = order.find((o) => o.requires.includes(r.id) && !selected.includes(o));
      if (dependent) {
        throw new UserError(`refused, nothing was changed: patch ${dependent.id} requires ${r.id}; revert it first or together (patch revert ${dependent.id} ${r.id}, or --all)`, undefined, ExitCode.Findings);
      }
    }
    const writes = await revertWrites(stateDir, [...selected].reverse());
    await checkWritable(writes);
    const ids = selected.map((r) => r.id);
    if (ids.length === 0) return { reverted: [], notApplied, written: 0, recovered };
    const result = await runTransaction(stateDir, 'revert', ids, writes,
      (txn) => ({ t: 'commit', txn, action: 'revert', ids, time: new Date().toISOString() }));
    return { reverted: ids, notApplied, written: result.written, recovered };
  } finally {
    release();
  }
}

/** The writes that restore the originals (newest patch first); refuses before any write. */
async function revertWrites(stateDir: string, newestFirst: PatchRecord[]): Promise<FileWrite[]> {
  const virtual = new Map<string, Buffer | null>();
  const problems: string[] = [];
  const writes: FileWrite[] = [];
  for (const r of newestFirst) {
    for (const f of [...r.files].reverse()) {
      const bytes = virtual.has(f.abs) ? virtual.get(f.abs)! : await readOrNull(f.abs);
      const cur = bytes === null ? null : sha256(bytes);
      if (cur === f.original) continue; // already original (reinstalled, or reverted before)
      if (cur !== f.patched) {
        problems.push(`${f.abs} changed after patching (sha256 ${cur ?? '(absent)'}, patched was ${f.patched ?? '(absent)'}): left as is`);
        continue;
      }
      let to: Buffer | null = null;
      if (f.original !== null) {
        to = await loadBackup(stateDir, f.original);
        if (!to) { problems.push(`${f.abs}: no backup of the original (sha256 ${f.original})`); continue; }
      }
      writes.push({ patch: r.id, path: f.path, abs: f.abs, from: bytes, to });
      virtual.set(f.abs, to);
    }
  }
  if (problems.length) {
    throw new UserError(`refused, nothing was changed: ${problems.join('; ')}`,
      'reinstall the package to get its original files back: pip install --force-reinstall --no-deps NAME==VERSION', ExitCode.Findings);
  }
  return writes;
}
