// Command output written straight to file descriptor 1. process.stdout is a stream Node builds on
// first use, and on a pipe that loads its net and stream modules (~8 ms of CPU a start): `convert`
// prints a few lines once it is done, so it writes them itself, synchronously, as Node's stream does
// for files and pipes anyway.
import { writeSync } from 'node:fs';

/** set once the reader has gone (EPIPE): the rest of the output is dropped, as main.ts does for the stream */
let readerGone = false;
/** something to wait on for 1 ms when a non-blocking pipe is full (a parent may have set O_NONBLOCK on it) */
let pause: Int32Array | undefined;

/** Writes `text` to standard output in full; a reader that stopped early (`| head`) ends it quietly. */
export function writeStdout(text: string): void {
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
