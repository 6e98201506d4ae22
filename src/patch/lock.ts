// An exclusive lock on an environment's patch state: a file holding the owner's pid and start
// time, created exclusively (link() of a fully written file, which fails on an existing name
// like O_EXCL; O_EXCL itself where the file system has no hard links). A lock whose owner is
// gone (or whose pid now belongs to another process, told apart by the process start time on
// Linux) is stale and taken over.
import { closeSync, constants, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ExitCode, UserError } from '../util/errors.js';

interface LockOwner {
  pid: number;
  /** Linux: field 22 of /proc/<pid>/stat (clock ticks since boot), to detect pid reuse */
  procStart: string | null;
  host: string;
  startedAt: string;
  command: string;
}

function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parens: count fields after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // cannot tell: assume alive
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = procStart(owner.pid);
  return !(owner.procStart && now && now !== owner.procStart);
}

export function lockPath(stateDir: string): string {
  return join(stateDir, 'lock');
}

/** Takes the lock or throws a UserError naming the holder; returns the release function. */
export function acquireLock(stateDir: string, command: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const path = lockPath(stateDir);
  const owner: LockOwner = { pid: process.pid, procStart: procStart(process.pid), host: hostname(), startedAt: new Date().toISOString(), command };
  // the content is written first and the lock appears whole by link(): a crash never leaves an empty lock
  const staged = `${path}.${process.pid}.tmp`;
  const fd = openSync(staged, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  writeSync(fd, JSON.stringify(owner));
  fsyncSync(fd);
  closeSync(fd);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        createExclusive(staged, path, owner);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readOwner(path);
        if (holder && alive(holder)) {
          throw new UserError(
            `another tfdoctor run (pid ${holder.pid}, ${holder.command}, started ${holder.startedAt}) holds the lock ${path}`,
            'wait for it to finish; if no such process runs, delete the lock file',
            ExitCode.Findings,
          );
        }
        if (!holder && Date.now() - safeMtime(path) < 5_000) {
          // not ours to judge yet: a lock made by another tool or by hand, just now
          throw new UserError(`the lock ${path} is unreadable`, 'if no tfdoctor run is active, delete it', ExitCode.Findings);
        }
        // stale: its owner is gone; move it aside (atomic) so two runs cannot both remove a fresh lock
        const aside = `${path}.stale-${process.pid}`;
        try { renameSync(path, aside); unlinkSync(aside); } catch { /* another run took it over first */ }
        continue;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try { unlinkSync(path); } catch { /* already gone */ }
      };
    }
  } finally {
    try { unlinkSync(staged); } catch { /* gone */ }
  }
  throw new UserError(`could not take the lock ${path}`, 'another tfdoctor run keeps taking it; try again', ExitCode.Findings);
}

function createExclusive(staged: string, path: string, owner: LockOwner): void {
  try {
    linkSync(staged, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try { writeSync(fd, JSON.stringify(owner)); fsyncSync(fd); } finally { closeSync(fd); }
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

function safeMtime(path: string): number {
  try { return statSync(path).mtimeMs; } catch { return 0; }
}
