// What is patched in an environment, told by file hashes and checked against tfdoctor's journal:
// a patch the journal says is applied whose files are back to the original bytes was undone by
// a reinstall (pip --force-reinstall does that silently).
import { satisfiesExcludingPre } from '../matrix/pep440.js';
import { join } from 'node:path';
import type { EnvSnapshot } from '../env/types.js';
import { loadCatalogue } from './catalogue.js';
import { sha256 } from './diff.js';
import { chainHashes, readOrNull, type FileReader } from './plan.js';
import { existingStateDir, foldJournal, readJournal, type PatchRecord } from './state.js';
import type { Catalogue } from './types.js';

export type PatchState =
  | 'applied' // every file holds the patched bytes
  | 'not-applied' // every file holds the original bytes, and tfdoctor has no record of applying it
  | 'reverted-by-reinstall' // tfdoctor applied it, the files are original again
  | 'drifted' // tfdoctor applied it, the files are now something else
  | 'modified' // never applied by tfdoctor, files hold unknown bytes (or a mix)
  | 'not-relevant'; // distribution absent or version out of range

export type FileState = 'original' | 'patched' | 'other' | 'missing';

export interface PatchStatus {
  id: string;
  title: string;
  distribution: string;
  versions: string;
  installed: string | null;
  fixes: string[];
  state: PatchState;
  /** applied through tfdoctor (its journal holds a record) */
  recorded: boolean;
  files: { path: string; abs: string | null; state: FileState; sha256: string | null }[];
  reason?: string;
}

export interface StatusReport {
  stateDir: string | null;
  /** an interrupted run: the next fix or revert rolls it back first */
  interrupted: { action: string; patches: string[] } | null;
  patches: PatchStatus[];
}

export async function patchStatus(catalogue: Catalogue, snapshot: EnvSnapshot, read: FileReader = readOrNull): Promise<StatusReport> {
  const stateDir = snapshot.prefix ? await existingStateDir(snapshot.prefix) : null;
  const journal = stateDir ? foldJournal(await readJournal(stateDir)) : { applied: new Map<string, PatchRecord>(), incomplete: null };
  const out: PatchStatus[] = [];
  const specIds = new Set(catalogue.patches.map((p) => p.id));
  for (const spec of catalogue.patches) {
    const record = journal.applied.get(spec.id);
    const dist = snapshot.distributions[spec.distribution];
    const base = {
      id: spec.id, title: spec.title, distribution: spec.distribution, versions: spec.versions,
      installed: dist?.version ?? null, fixes: spec.fixes, recorded: record !== undefined,
    };
    const relevant = dist?.location && satisfiesExcludingPre(dist.version, spec.versions);
    if (!relevant && !record) {
      out.push({ ...base, state: 'not-relevant', files: [], reason: dist ? `made for ${spec.distribution}${spec.versions}, installed ${dist.version}` : `${spec.distribution} is not installed` });
      continue;
    }
    const files: PatchStatus['files'] = [];
    const chain = chainHashes(spec, catalogue.patches);
    for (const f of spec.files) {
      const rec = record?.files.find((r) => r.path === f.path);
      const abs = rec?.abs ?? (dist?.location ? join(dist.location, f.path) : null);
      const bytes = abs ? await read(abs) : null;
      const sha = bytes === null ? null : sha256(bytes);
      // a forced file has its own patched / original hashes in the record
      const patched = new Set(chain.get(f.path)!.patched);
      const original = new Set(chain.get(f.path)!.original);
      if (rec) { patched.add(rec.patched); original.add(rec.original); }
      const state: FileState = patched.has(sha) ? 'patched' : original.has(sha) ? 'original' : sha === null ? 'missing' : 'other';
      files.push({ path: f.path, abs, state, sha256: sha });
    }
    const all = (s: FileState) => files.every((f) => f.state === s || (s === 'original' && f.state === 'missing' && spec.files.find((x) => x.path === f.path)?.originalSha256 === null));
    let state: PatchState;
    if (all('patched')) state = 'applied';
    else if (all('original')) state = record ? 'reverted-by-reinstall' : 'not-applied';
    else state = record ? 'drifted' : 'modified';
    out.push({ ...base, state, files });
  }
  // records of patches the catalogue no longer has: still reported, their hashes come from the record
  for (const record of journal.applied.values()) {
    if (specIds.has(record.id)) continue;
    const files: PatchStatus['files'] = [];
    for (const f of record.files) {
      const bytes = await read(f.abs);
      const sha = bytes === null ? null : sha256(bytes);
      files.push({ path: f.path, abs: f.abs, sha256: sha, state: sha === f.patched ? 'patched' : sha === f.original ? 'original' : sha === null ? 'missing' : 'other' });
    }
    const state: PatchState = files.every((f) => f.state === 'patched') ? 'applied' : files.every((f) => f.state === 'original') ? 'reverted-by-reinstall' : 'drifted';
    out.push({
      id: record.id, title: '(no longer in the catalogue)', distribution: record.distribution, versions: `==${record.version}`,
      installed: snapshot.distributions[record.distribution]?.version ?? null, fixes: record.fixes, recorded: true, state, files,
    });
  }
  return {
    stateDir,
    interrupted: journal.incomplete ? { action: journal.incomplete.action, patches: journal.incomplete.patches } : null,
    patches: out,
  };
}

/**
 * The patches whose files are all patched in this env, with the rule codes they make moot
 * (for `check`: it lists them and stops reporting those rules).
 */
export async function appliedPatches(
  snapshot: EnvSnapshot, catalogue?: Catalogue,
): Promise<{ id: string; fixes: string[]; addsHandlers: Record<string, number[]> }[]> {
  if (snapshot.planned) return [];
  const cat = catalogue ?? (await loadCatalogue());
  const report = await patchStatus(cat, snapshot);
  const specs = new Map(cat.patches.map((p) => [p.id, p]));
  return report.patches.filter((p) => p.state === 'applied')
    .map((p) => ({ id: p.id, fixes: p.fixes, addsHandlers: specs.get(p.id)?.addsHandlers ?? {} }));
}
