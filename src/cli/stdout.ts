// Standard output for the CLI. process.stdout is a stream Node builds on first use, and on a pipe that
// loads its net and stream modules (~8 ms of CPU a start). The entry (main.ts) defers building it;
// until something else builds it, writeStdout writes to file descriptor 1 itself, synchronously (as
// Node's stream does for files and pipes on Linux), so `convert`, which prints a few lines once it is
// done, never builds it. Once the stream exists (another command, commander's help, a test capturing
// it), writeStdout writes through it, so output keeps its order.
import { writeSync } from 'node:fs';

/** true while main.ts has deferred process.stdout and nothing has built it yet */
let unbuilt = false;
/** set once the reader has gone (EPIPE): the rest of the output is dropped, as main.ts does for the stream */
let readerGone = false;
/** something to wait on for 1 ms when a non-blocking pipe is full (a parent may have set O_NONBLOCK on it) */
let pause: Int32Array | undefined;

/**
 * Defers building process.stdout (a getter that builds the stream once) to its first use, and then
 * runs `onBuilt` on it (main.ts: its EPIPE handler).
 */
export function deferStdout(onBuilt: (stdout: NodeJS.WriteStream) => void): void {
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!own?.get || !own.configurable) {
    onBuilt(process.stdout);
    return;
  }
  const build = own.get;
  unbuilt = true;
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: own.enumerable ?? true,
    get() {
      Object.defineProperty(process, 'stdout', own);
      unbuilt = false;
      const stdout = build.call(process) as NodeJS.WriteStream;
      onBuilt(stdout);
      return stdout;
    },
  });
}

/** Writes `text` to standard output in full; a reader that stopped early (`| head`) ends it quietly. */
export function writeStdout(text: string): void {
  if (!unbuilt) {
    process.stdout.write(text);
    return;
  }
  if (readerGone) return;
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes, at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE') {
        readerGone = true;
        return;
      }
      throw err;
    }
  }
}
