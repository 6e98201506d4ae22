// One member of a ZIP archive (a wheel) read through a random-access reader: the end-of-central-
// directory record (ZIP64 too), the central directory, then the one local entry, inflated. Only
// the bytes needed are read, so an HTTP range reader fetches a few KB of a 500 MB wheel.
import { inflateRawSync } from 'node:zlib';

export interface ByteSource {
  size(): Promise<number>;
  /** bytes [offset, offset + length) */
  read(offset: number, length: number): Promise<Buffer>;
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
/** EOCD (22) + the longest comment (65535) */
const TAIL = 22 + 0xffff;

export class ZipFormatError extends Error {}

/** The central directory's entries. */
export async function listZip(src: ByteSource): Promise<ZipEntry[]> {
  const size = await src.size();
  const tailStart = Math.max(0, size - TAIL);
  const tail = await src.read(tailStart, size - tailStart);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('not a zip file (no end of central directory)');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    const locator = loc >= 0 ? tail.subarray(loc, loc + 20) : await src.read(tailStart + loc, 20);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIG) throw new ZipFormatError('ZIP64 locator missing');
    const z = await src.read(Number(locator.readBigUInt64LE(8)), 56);
    if (z.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw new ZipFormatError('ZIP64 end of central directory missing');
    count = Number(z.readBigUInt64LE(32));
    cdSize = Number(z.readBigUInt64LE(40));
    cdOffset = Number(z.readBigUInt64LE(48));
  }
  const cd = cdOffset >= tailStart && cdOffset + cdSize <= size
    ? tail.subarray(cdOffset - tailStart, cdOffset - tailStart + cdSize)
    : await src.read(cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIG) throw new ZipFormatError('corrupt central directory');
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const entry: ZipEntry = {
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      method: cd.readUInt16LE(p + 10),
      compressedSize: cd.readUInt32LE(p + 20),
      uncompressedSize: cd.readUInt32LE(p + 24),
      localHeaderOffset: cd.readUInt32LE(p + 42),
    };
    if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
      applyZip64Extra(entry, cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
    }
    entries.push(entry);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The ZIP64 extra field (0x0001) holds, in order, only the fields whose 32-bit slot is saturated. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  for (let q = 0; q + 4 <= extra.length;) {
    const id = extra.readUInt16LE(q);
    const len = extra.readUInt16LE(q + 2);
    if (id === 0x0001) {
      let r = q + 4;
      const next = (): number => {
        const v = Number(extra.readBigUInt64LE(r));
        r += 8;
        return v;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    q += 4 + len;
  }
}

/** The uncompressed bytes of one entry (stored or deflated). */
export async function readZipEntry(src: ByteSource, entry: ZipEntry): Promise<Buffer> {
  const header = await src.read(entry.localHeaderOffset, 30);
  if (header.readUInt32LE(0) !== LOCAL_SIG) throw new ZipFormatError(`corrupt local header for ${entry.name}`);
  const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const data = await src.read(dataStart, entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return inflateRawSync(data);
  throw new ZipFormatError(`unsupported compression method ${entry.method} for ${entry.name}`);
}
