// Where tfdoctor keeps what it did to an environment: <prefix>/.tfdoctor/patches/ (or, when
// the prefix is not writable, ~/.local/state/tfdoctor/envs/<hash of prefix>/patches/), holding
// journal.jsonl (append-only, fsynced) and backups/<sha256> (content-addressed originals).
// Nothing is ever written inside a package folder except the patched files themselves.
import { createHash } from 'node:crypto';
import { constants, closeSync, fsyncSync, openSync, writeSync, readFileSync, ftruncateSync, statSync } from 'node:fs';
import { access, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeAtomic } from '../util/atomic-write.js';
import { sha256 } from './diff.js';

export interface StateDirs {
  /** the folder used for a new write (prefix-local when writable) */
  dir: string;
  /** every candidate folder, first match wins when reading */
  candidates: string[];
}

export function stateDirCandidates(prefix: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? homedir();
  const base = env.XDG_STATE_HOME ?? join(home, '.local', 'state');
  const key = createHash('sha256').update(prefix).digest('hex').slice(0, 16);
  return [join(prefix, '.tfdoctor', 'patches'), join(base, 'tfdoctor', 'envs', key, 'patches')];
}

async function writable(dir: string): Promise<boolean> {
  // the nearest existing ancestor decides whether the folder can be made
  for (let d = dir; ; d = dirname(d)) {
    try {
      await stat(d);
      await access(d, constants.W_OK);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return false;
    }
    if (dirname(d) === d) return false;
  }
}

/** The state folder for reading: the first candidate holding a journal, else null. */
export async function existingStateDir(prefix: string): Promise<string | null> {
  for (const c of stateDirCandidates(prefix)) {
    try {
      if (statSync(join(c, 'journal.jsonl'), { throwIfNoEntry: false })) return c;
    } catch {
      // unreadable: next
    }
  }
  return null;
}

/** The state folder for writing: an existing one, else the first writable candidate. */
export async function stateDirForWriting(prefix: string): Promise<string | null> {
  const existing = await existingStateDir(prefix);
  if (existing) return existing;
  for (const c of stateDirCandidates(prefix)) if (await writable(c)) return c;
  return null;
}

// ---------------------------------------------------------------- journal

/** One file write inside a transaction. */
export interface IntentEntry {
  t: 'intent';
  txn: string;
  patch: string;
  /** path relative to the distribution location, for messages */
  path: string;
  abs: string;
  /** sha256 of the bytes before (null: absent) and after (null: deleted) */
  from: string | null;
  to: string | null;
  /** the temp file the new bytes are staged in (same folder as abs) */
  tmp: string;
}

export interface FileRecord {
  path: string;
  abs: string;
  /** what was there before tfdoctor wrote (its bytes are in backups/<original>); null: absent */
  original: string | null;
  /** what tfdoctor wrote (null: deleted) */
  patched: string | null;
  forced?: boolean;
}

export interface PatchRecord {
  id: string;
  distribution: string;
  version: string;
  location: string;
  fixes: string[];
  requires: string[];
  appliedAt: string;
  files: FileRecord[];
}

export type JournalEntry =
  | { t: 'begin'; txn: string; action: 'apply' | 'revert'; patches: string[]; time: string; pid: number }
  | IntentEntry
  | { t: 'done'; txn: string; abs: string; to: string | null }
  | { t: 'commit'; txn: string; action: 'apply'; records: PatchRecord[]; time: string }
  | { t: 'commit'; txn: string; action: 'revert'; ids: string[]; time: string }
  | { t: 'rollback'; txn: string; time: string; leftAsIs: string[] };

export function journalPath(stateDir: string): string {
  return join(stateDir, 'journal.jsonl');
}

/** Reads the journal; a torn last line (a crash mid-append) is ignored. */
export async function readJournal(stateDir: string): Promise<JournalEntry[]> {
  let text: string;
  try { text = await readFile(journalPath(stateDir), 'utf8'); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: JournalEntry[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      if (i === lines.length - 1) break; // torn tail: never completed, never acted on
      throw new Error(`${journalPath(stateDir)}:${i + 1}: unreadable journal line`);
    }
  }
  return entries;
}

/** Appends entries durably: write + fsync, after cutting a torn tail left by a crash. */
export function appendJournal(stateDir: string, ...entries: JournalEntry[]): void {
  const path = journalPath(stateDir);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, 0o644);
  try {
    const size = statSync(path).size;
    if (size > 0) {
      const text = readFileSync(path, 'utf8');
      if (!text.endsWith('\n')) ftruncateSync(fd, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    }
    writeSync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface JournalState {
  /** patches applied by tfdoctor, by id, per the committed transactions */
  applied: Map<string, PatchRecord>;
  /** a transaction that began and neither committed nor rolled back (a crash) */
  incomplete: { txn: string; action: 'apply' | 'revert'; patches: string[]; pid: number; intents: IntentEntry[] } | null;
}

export function foldJournal(entries: JournalEntry[]): JournalState {
  const applied = new Map<string, PatchRecord>();
  const open = new Map<string, { txn: string; action: 'apply' | 'revert'; patches: string[]; pid: number; intents: IntentEntry[] }>();
  for (const e of entries) {
    switch (e.t) {
      case 'begin': open.set(e.txn, { txn: e.txn, action: e.action, patches: e.patches, pid: e.pid, intents: [] }); break;
      case 'intent': open.get(e.txn)?.intents.push(e); break;
      case 'done': break;
      case 'commit':
        open.delete(e.txn);
        if (e.action === 'apply') for (const r of e.records) applied.set(r.id, r);
        else for (const id of e.ids) applied.delete(id);
        break;
      case 'rollback': open.delete(e.txn); break;
    }
  }
  return { applied, incomplete: [...open.values()].at(-1) ?? null };
}

// ---------------------------------------------------------------- durable file writes

export async function unlinkIfPresent(path: string): Promise<boolean> {
  try { await unlink(path); return true; } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

// ---------------------------------------------------------------- backups

export function backupPath(stateDir: string, sha: string): string {
  return join(stateDir, 'backups', sha);
}

/** Stores bytes under their sha256 (once); fsynced before returning. */
export async function storeBackup(stateDir: string, bytes: Uint8Array): Promise<string> {
  const sha = sha256(bytes);
  const path = backupPath(stateDir, sha);
  try {
    if (sha256(await readFile(path)) === sha) return sha;
  } catch { /* absent or unreadable: (re)write it */ }
  await mkdir(dirname(path), { recursive: true });
  await writeAtomic(path, bytes, { syncDir: true });
  return sha;
}

/** The backed-up bytes with this sha256, verified, or null. */
export async function loadBackup(stateDir: string, sha: string): Promise<Buffer | null> {
  try {
    const bytes = await readFile(backupPath(stateDir, sha));
    return sha256(bytes) === sha ? bytes : null;
  } catch {
    return null;
  }
}
