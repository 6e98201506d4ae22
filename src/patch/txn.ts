// The write protocol shared by apply and revert, and crash recovery.
// Per file: back up the current bytes (fsync) -> journal 'intent' (fsync) -> new bytes to a temp
// file in the same folder (fsync) -> rename over the target -> clear its stale .pyc -> journal 'done'.
// rename() makes every file either wholly old or wholly new, so after a crash the journal plus
// the file hashes say exactly which files to put back: recovery rolls an interrupted transaction
// back to where it began, and the interrupted command, run again, redoes it from a clean state.
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { tempPathFor, writeAtomic } from '../util/atomic-write.js';
import { ExitCode, UserError } from '../util/errors.js';
import { sha256 } from './diff.js';
import { readOrNull } from './plan.js';
import {
  appendJournal, foldJournal, loadBackup, readJournal, storeBackup, unlinkIfPresent,
  type IntentEntry, type JournalEntry,
} from './state.js';

export interface FileWrite {
  patch: string;
  path: string;
  abs: string;
  from: Buffer | null;
  to: Buffer | null;
}

let stepsTaken = 0;

/**
 * Test hooks for the fault test, all off unless set: TFDOCTOR_TEST_SLOW_MS=<ms> sleeps between
 * protocol steps so a timed kill can land mid-write; TFDOCTOR_TEST_STEP_TRACE=1 counts the steps on
 * stderr; TFDOCTOR_TEST_KILL_AT_STEP=<n> SIGKILLs this process at step n, so some kills land inside
 * the protocol however loaded the machine is.
 */
async function step(): Promise<void> {
  stepsTaken++;
  if (process.env.TFDOCTOR_TEST_STEP_TRACE === '1') process.stderr.write(`tfdoctor-test-step ${stepsTaken}\n`);
  if (Number(process.env.TFDOCTOR_TEST_KILL_AT_STEP) === stepsTaken) process.kill(process.pid, 'SIGKILL');
  const ms = Number(process.env.TFDOCTOR_TEST_SLOW_MS ?? 0);
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

/** Removes the compiled caches of a module file: <dir>/__pycache__/<stem>.<tag>[.opt-N].pyc. */
export async function clearPycache(abs: string): Promise<string[]> {
  if (extname(abs) !== '.py') return [];
  const stem = basename(abs, '.py');
  const cacheDir = join(dirname(abs), '__pycache__');
  let names: string[];
  try { names = await readdir(cacheDir); } catch { return []; }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.pyc') || !name.startsWith(`${stem}.`)) continue;
    // <stem>.<implementation tag>.pyc or <stem>.<tag>.opt-<level>.pyc, nothing else (bar.py must not take bar.baz.*)
    const middle = name.slice(stem.length + 1, -'.pyc'.length).split('.');
    if (middle.length === 1 || (middle.length === 2 && middle[1]!.startsWith('opt-'))) {
      if (await unlinkIfPresent(join(cacheDir, name))) removed.push(join(cacheDir, name));
    }
  }
  return removed;
}

/**
 * Refuses (nothing changed) when any file or folder the writes need is not writable: a
 * read-only mount (EROFS), missing permissions (EACCES) or an immutable file/folder (EPERM,
 * which also stops root).
 */
export async function checkWritable(writes: readonly FileWrite[]): Promise<void> {
  const checked = new Set<string>();
  const probe = async (path: string, mustExist: boolean) => {
    if (checked.has(path)) return;
    checked.add(path);
    try {
      await access(path, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !mustExist) return;
      const why = code === 'EROFS' ? 'read-only file system' : code === 'EPERM' ? 'not permitted (immutable?)' : code === 'ENOENT' ? 'does not exist' : 'permission denied';
      throw new UserError(`cannot write ${path}: ${why}; nothing was changed`,
        'run tfdoctor as the user who owns the environment, or make its site-packages writable', ExitCode.Findings);
    }
  };
  for (const w of writes) {
    await probe(dirname(w.abs), true);
    await probe(w.abs, false);
    if (w.abs.endsWith('.py')) await probe(join(dirname(w.abs), '__pycache__'), false);
  }
}

export interface TxnResult {
  txn: string;
  written: number;
}

/** Runs the writes as one journaled transaction; `commit` is the entry that ends it. */
export async function runTransaction(
  stateDir: string, action: 'apply' | 'revert', patches: string[], writes: readonly FileWrite[],
  commit: (txn: string) => JournalEntry,
): Promise<TxnResult> {
  const txn = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  appendJournal(stateDir, { t: 'begin', txn, action, patches, time: new Date().toISOString(), pid: process.pid });
  let written = 0;
  try {
    written = await writeAll(stateDir, txn, writes);
  } catch (err) {
    // an I/O error mid-way (disk full, ...): put back what was written, then report
    await recover(stateDir);
    throw err;
  }
  await step();
  appendJournal(stateDir, commit(txn));
  return { txn, written };
}

async function writeAll(stateDir: string, txn: string, writes: readonly FileWrite[]): Promise<number> {
  let written = 0;
  for (const w of writes) {
    if (w.from !== null) await storeBackup(stateDir, w.from);
    await step();
    const tmp = tempPathFor(w.abs, txn);
    const intent: IntentEntry = {
      t: 'intent', txn, patch: w.patch, path: w.path, abs: w.abs,
      from: w.from === null ? null : sha256(w.from), to: w.to === null ? null : sha256(w.to), tmp,
    };
    appendJournal(stateDir, intent);
    await step();
    if (w.to === null) {
      await unlinkIfPresent(w.abs);
    } else {
      const mode = await fileMode(w.abs);
      // durable: the journal's recovery relies on the rename being on disk before 'done' is logged
      await writeAtomic(w.abs, w.to, { temp: tmp, mode, syncDir: true });
    }
    await step();
    await clearPycache(w.abs);
    appendJournal(stateDir, { t: 'done', txn, abs: w.abs, to: intent.to });
    written++;
  }
  return written;
}

async function fileMode(abs: string): Promise<number | undefined> {
  try { return (await stat(abs)).mode & 0o7777; } catch { return undefined; }
}

export interface Recovery {
  txn: string;
  action: 'apply' | 'revert';
  patches: string[];
  /** files put back to their state before the interrupted run */
  restored: string[];
  /** files whose bytes were neither before nor after: left alone, named to the user */
  leftAsIs: string[];
}

/**
 * Rolls back an interrupted transaction (the caller holds the lock, so its owner is gone).
 * Idempotent: decided by hashes, so a crash during recovery is recovered by the next run.
 */
export async function recover(stateDir: string): Promise<Recovery | null> {
  const { incomplete } = foldJournal(await readJournal(stateDir));
  if (!incomplete) return null;
  const restored: string[] = [];
  const leftAsIs: string[] = [];
  for (const intent of [...incomplete.intents].reverse()) {
    await unlinkIfPresent(intent.tmp);
    const bytes = await readOrNull(intent.abs);
    const cur = bytes === null ? null : sha256(bytes);
    if (cur === intent.from) continue;
    if (cur !== intent.to) { leftAsIs.push(intent.abs); continue; }
    if (intent.from === null) {
      await unlinkIfPresent(intent.abs);
    } else {
      const original = await loadBackup(stateDir, intent.from);
      if (!original) { leftAsIs.push(intent.abs); continue; }
      await writeAtomic(intent.abs, original, { temp: tempPathFor(intent.abs, incomplete.txn), mode: await fileMode(intent.abs), syncDir: true });
    }
    await clearPycache(intent.abs);
    restored.push(intent.abs);
  }
  appendJournal(stateDir, { t: 'rollback', txn: incomplete.txn, time: new Date().toISOString(), leftAsIs });
  return { txn: incomplete.txn, action: incomplete.action, patches: incomplete.patches, restored, leftAsIs };
}
