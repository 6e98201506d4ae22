// Replacing a file atomically: the new bytes go to a temp file in the same folder, which is then
// renamed over the target, so a reader sees the old file or the new one, never a part of either.
// The one place tfdoctor writes a file that way (the patch journal's append-only log is not this).
// fs.promises, not node:fs/promises: the bundle then reads the getter when an async write runs, and the
// synchronous writer (every `convert`) does not load the promise API's modules (~5 ms) at start-up
import { closeSync, openSync, promises as fsp, renameSync, rmSync, unlinkSync, writeFileSync, writevSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let tempCount = 0;

/**
 * A hidden temp name beside `target`; `tag` makes it known in advance (crash recovery), else it is
 * unique: this process's id, a count and random digits. Math.random, not node:crypto (loading it costs
 * ~10 ms of every `convert` start): the name need only be unique, and a generated temp is created
 * exclusively ('wx'), so a name someone else holds fails the write rather than overwriting their file.
 */
export function tempPathFor(target: string, tag = `${process.pid}-${(tempCount++).toString(36)}${Math.random().toString(16).slice(2, 10)}`): string {
  return join(dirname(target), `.${basename(target)}.tfdoctor-${tag}.tmp`);
}

export interface AtomicWriteOptions {
  /** the temp file to write (an existing one is overwritten); default: a fresh unique one beside the target */
  temp?: string;
  /** permission bits, set exactly; default: 0o644 less the umask */
  mode?: number;
  /** fsync the folder after the rename too, so that the rename itself survives a power cut */
  syncDir?: boolean;
}

/**
 * Writes `data` to a temp file, fsyncs it, and renames it over `target`. On failure the temp file is
 * removed and the error is thrown on unchanged.
 */
export async function writeAtomic(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const temp = opts.temp ?? tempPathFor(target);
  try {
    const handle = await fsp.open(temp, opts.temp === undefined ? 'wx' : 'w', opts.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      if (opts.mode !== undefined) await handle.chmod(opts.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw err;
  }
  if (opts.syncDir) await fsyncDir(dirname(target));
}

/** Flushes a folder's entries (a rename or a new file in it) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The synchronous form, without fsync: for caches and outputs where a crash may cost the new file but a
 * reader must never see half of one. `data` may be a list of pieces, written in order with writev (a
 * large file is then never joined in memory). On failure the temp file is removed and the error is thrown on.
 */
export function writeAtomicSync(target: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const temp = tempPathFor(target);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) writeFileSync(temp, data, { flag: 'wx' });
    else writePartsSync(temp, data);
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * Writes the pieces to a temp file beside `target`, then puts it in the target's place: the target
 * holds its old bytes until the new ones are all written, and never a part of them (a failed write
 * removes the temp file and leaves the target as it was). Unlike writeAtomicSync, an old target is
 * removed just before the rename, so for that moment the name is absent: on ext4, a rename over an
 * existing file starts writeback of the whole new file inside rename() (its auto_da_alloc guard for
 * replace-by-rename), 15-35 ms for a 17 MB model, where a rename to a free name takes ~1 ms and the
 * data is written back later, as for any new file. For large outputs (a .tflite), not for files that
 * other processes read concurrently.
 */
export function writeReplacingSync(target: string, parts: readonly Uint8Array[]): void {
  const temp = tempPathFor(target);
  let removedOld = false;
  try {
    writePartsSync(temp, parts);
    try {
      unlinkSync(target);
      removedOld = true;
    } catch {
      // no old file, or something in the way (a folder): then the rename fails and says why
    }
    renameSync(temp, target);
  } catch (err) {
    // once the old file is gone, the written one is the only copy left: keep it and say where
    if (removedOld) throw new Error(`${(err as Error).message} (the new file is kept at ${temp})`);
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Creates `path` (it must not exist) holding the pieces in order; a short write continues where it stopped. */
function writePartsSync(path: string, parts: readonly Uint8Array[]): void {
  const fd = openSync(path, 'wx');
  try {
    let pending = parts.filter((p) => p.length > 0);
    while (pending.length) {
      // at most IOV_MAX (1024 on Linux) pieces per call
      let written = writevSync(fd, pending.slice(0, 1024));
      let done = 0;
      while (done < pending.length && written >= pending[done]!.length) written -= pending[done++]!.length;
      pending = pending.slice(done);
      if (written > 0) pending[0] = pending[0]!.subarray(written);
    }
  } finally {
    closeSync(fd);
  }
}
