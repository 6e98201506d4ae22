// An exclusive lock on an environment's patch state: a file created with O_EXCL holding the
// owner's pid and start time. A lock whose owner is gone (or whose pid now belongs to another
// process, told apart by the process start time on Linux) is stale and taken over.
import { closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
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
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readOwner(path);
      if (owner && alive(owner)) {
        throw new UserError(
          `another tfdoctor run (pid ${owner.pid}, ${owner.command}, started ${owner.startedAt}) holds the lock ${path}`,
          'wait for it to finish; if no such process runs, delete the lock file',
          ExitCode.Findings,
        );
      }
      // stale: written by a process that is gone (or a lock file torn by a crash before its content landed)
      if (!owner && Date.now() - safeMtime(path) < 5_000) {
        throw new UserError(`the lock ${path} is being taken by another tfdoctor run`, 'try again in a moment', ExitCode.Findings);
      }
      const aside = `${path}.stale-${process.pid}`;
      try { renameSync(path, aside); unlinkSync(aside); } catch { /* another run took it over first */ }
      continue;
    }
    const owner: LockOwner = { pid: process.pid, procStart: procStart(process.pid), host: hostname(), startedAt: new Date().toISOString(), command };
    writeSync(fd, JSON.stringify(owner));
    fsyncSync(fd);
    closeSync(fd);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      try { unlinkSync(path); } catch { /* already gone */ }
    };
  }
  throw new UserError(`could not take the lock ${path}`, 'another tfdoctor run keeps taking it; try again', ExitCode.Findings);
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
