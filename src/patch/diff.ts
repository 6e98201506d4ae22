// A unified-diff parser and an exact applier: no fuzz, no offset search beyond the hunk's
// stated position, context must match byte for byte. Patches are checked by hash anyway;
// exactness here means a wrong base is refused before any hash is even compared.
import { createHash } from 'node:crypto';

export interface HunkLine {
  kind: ' ' | '-' | '+';
  text: string;
  /** this line has no trailing newline ("\ No newline at end of file" followed it) */
  noNewline: boolean;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: HunkLine[];
  /** 1-based line of the @@ header in the diff text, for error messages */
  diffLine: number;
}

export interface FileDiff {
  /** path relative to the distribution's location; null for a created file (--- /dev/null) */
  oldPath: string | null;
  /** null for a deleted file (+++ /dev/null) */
  newPath: string | null;
  hunks: Hunk[];
}

export class DiffError extends Error {
  constructor(message: string, readonly line?: number) {
    super(line !== undefined ? `line ${line}: ${message}` : message);
    this.name = 'DiffError';
  }
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** `--- a/x/y.py\t2024-01-01` -> "x/y.py"; `/dev/null` -> null. */
function headerPath(rest: string, prefix: 'a/' | 'b/'): string | null {
  const path = rest.split('\t')[0]!.trimEnd();
  if (path === '/dev/null') return null;
  return path.startsWith(prefix) ? path.slice(2) : path;
}

/** Parses a (git-style or plain) unified diff covering one or more files. */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const files: FileDiff[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!line.startsWith('--- ')) { i++; continue; } // "diff --git", "index ..." and prose are skipped
    const next = lines[i + 1];
    if (next === undefined || !next.startsWith('+++ ')) throw new DiffError('"---" header not followed by "+++"', i + 1);
    const file: FileDiff = { oldPath: headerPath(line.slice(4), 'a/'), newPath: headerPath(next.slice(4), 'b/'), hunks: [] };
    if (file.oldPath === null && file.newPath === null) throw new DiffError('both sides are /dev/null', i + 1);
    i += 2;
    while (i < lines.length && lines[i]!.startsWith('@@')) {
      const m = HUNK_HEADER.exec(lines[i]!);
      if (!m) throw new DiffError(`malformed hunk header: ${lines[i]}`, i + 1);
      const hunk: Hunk = {
        oldStart: Number(m[1]), oldLines: m[2] === undefined ? 1 : Number(m[2]),
        newStart: Number(m[3]), newLines: m[4] === undefined ? 1 : Number(m[4]),
        lines: [], diffLine: i + 1,
      };
      i++;
      let oldSeen = 0;
      let newSeen = 0;
      while (oldSeen < hunk.oldLines || newSeen < hunk.newLines) {
        const body = lines[i];
        if (body === undefined) throw new DiffError(`diff ends inside a hunk: shorter than its header says (-${hunk.oldLines} +${hunk.newLines})`, hunk.diffLine);
        // an empty line inside a hunk is a blank context line whose leading space was stripped by an editor
        const kind = body === '' ? ' ' : body[0];
        if (kind !== ' ' && kind !== '-' && kind !== '+') {
          throw new DiffError(`hunk shorter than its header says (-${hunk.oldLines} +${hunk.newLines})`, hunk.diffLine);
        }
        hunk.lines.push({ kind, text: body.slice(1), noNewline: false });
        if (kind !== '+') oldSeen++;
        if (kind !== '-') newSeen++;
        i++;
        if (lines[i]?.startsWith('\\')) { hunk.lines.at(-1)!.noNewline = true; i++; }
      }
      if (oldSeen !== hunk.oldLines || newSeen !== hunk.newLines) {
        throw new DiffError(`hunk longer than its header says (-${hunk.oldLines} +${hunk.newLines})`, hunk.diffLine);
      }
      file.hunks.push(hunk);
    }
    if (file.hunks.length === 0) throw new DiffError(`no hunks for ${file.newPath ?? file.oldPath}`, i);
    files.push(file);
  }
  return files;
}

/** The file a diff section is about (the new path, or the old one for a deletion). */
export function diffTarget(file: FileDiff): string {
  return (file.newPath ?? file.oldPath)!;
}

/** Splits text into lines keeping each line's terminator, so joining gives the exact bytes back. */
function splitKeepingEol(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) { if (start < text.length) out.push(text.slice(start)); return out; }
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
}

function asLine(l: HunkLine): string {
  return l.noNewline ? l.text : `${l.text}\n`;
}

/**
 * Applies one file's hunks to its original bytes (null when the file does not exist) and returns
 * the new bytes (null when the diff deletes the file). Throws DiffError naming the first line that
 * does not match exactly.
 */
export function applyFileDiff(original: Uint8Array | null, file: FileDiff): Buffer | null {
  const target = diffTarget(file);
  if (file.oldPath === null && original !== null) throw new DiffError(`${target}: the diff creates this file but it already exists`);
  if (file.oldPath !== null && original === null) throw new DiffError(`${target}: file does not exist`);
  const text = original === null ? '' : Buffer.from(original).toString('utf8');
  if (original !== null && !Buffer.from(text, 'utf8').equals(Buffer.from(original))) {
    throw new DiffError(`${target}: not valid UTF-8 text, refusing to patch it`);
  }
  const src = splitKeepingEol(text);
  const out: string[] = [];
  let pos = 0; // index into src of the next line not yet copied
  for (const hunk of file.hunks) {
    // a hunk with 0 old lines inserts after line oldStart; otherwise it starts at line oldStart
    const at = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
    if (at < pos) throw new DiffError(`${target}: hunks overlap or are out of order`, hunk.diffLine);
    if (at > src.length) throw new DiffError(`${target}: hunk starts at line ${hunk.oldStart} but the file has ${src.length} lines`, hunk.diffLine);
    out.push(...src.slice(pos, at));
    pos = at;
    for (const l of hunk.lines) {
      if (l.kind !== '+') {
        const actual = src[pos];
        if (actual !== asLine(l)) {
          throw new DiffError(`${target}: line ${pos + 1} does not match the patch's ${l.kind === '-' ? 'removed' : 'context'} line `
            + `(expected ${JSON.stringify(l.text)}, found ${actual === undefined ? 'end of file' : JSON.stringify(actual.replace(/\n$/, ''))})`, hunk.diffLine);
        }
        pos++;
      }
      if (l.kind !== '-') out.push(asLine(l));
    }
  }
  out.push(...src.slice(pos));
  if (file.newPath === null) {
    if (out.length !== 0) throw new DiffError(`${target}: the diff deletes this file but does not remove all of its lines`);
    return null;
  }
  return Buffer.from(out.join(''), 'utf8');
}
