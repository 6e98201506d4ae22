/**
 * NumPy .npz: a zip archive of .npy members (np.savez stores them, np.savez_compressed deflates
 * them). Read through the central directory (sizes there are final; numpy writes local headers with
 * zip64 placeholders), ZIP64 extra fields honoured. Format facts: PKWARE APPNOTE 4.3 (end of central
 * directory 0x06054b50, central header 0x02014b50, local header 0x04034b50, zip64 extra id 0x0001).
 */
import { createRequire } from 'node:module';
import type * as Zlib from 'node:zlib';
import { decodeNpy, type NpyArray } from '../../verify/npy.js';

const requireHere = createRequire(import.meta.url);
/** node:zlib, loaded on first use: only a compressed .npz needs it, and every `convert` start loads this module */
let zlib: typeof Zlib | undefined;

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const U32_MAX = 0xffffffff;

export class NpzError extends Error {}

interface Entry { name: string; method: number; compressedSize: number; size: number; localOffset: number }

function findEocd(view: DataView): number {
  // the comment after the record is at most 65535 bytes
  const lowest = Math.max(0, view.byteLength - 22 - 65535);
  for (let p = view.byteLength - 22; p >= lowest; p--) if (view.getUint32(p, true) === EOCD) return p;
  throw new NpzError('not a zip archive (no end-of-central-directory record)');
}

function u64(view: DataView, p: number): number {
  const v = view.getBigUint64(p, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new NpzError('zip field too large');
  return Number(v);
}

function centralDirectory(view: DataView): { offset: number; count: number } {
  const eocd = findEocd(view);
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if ((offset === U32_MAX || count === 0xffff) && locator >= 0 && view.getUint32(locator, true) === ZIP64_EOCD_LOCATOR) {
    const z = u64(view, locator + 8);
    if (z + 56 > view.byteLength || view.getUint32(z, true) !== ZIP64_EOCD) throw new NpzError('broken zip64 end-of-central-directory record');
    count = u64(view, z + 32);
    offset = u64(view, z + 48);
  }
  return { offset, count };
}

function readEntries(bytes: Uint8Array): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { offset, count } = centralDirectory(view);
  const entries: Entry[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) throw new NpzError('broken zip central directory');
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra: the 64-bit values appear in this order, only for the fields set to 0xFFFFFFFF
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === U32_MAX) { size = u64(view, q); q += 8; }
        if (compressedSize === U32_MAX) { compressedSize = u64(view, q); q += 8; }
        if (localOffset === U32_MAX) { localOffset = u64(view, q); q += 8; }
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

function entryBytes(bytes: Uint8Array, e: Entry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = e.localOffset;
  if (p + 30 > bytes.length || view.getUint32(p, true) !== LOCAL) throw new NpzError(`broken zip local header for '${e.name}'`);
  const start = p + 30 + view.getUint16(p + 26, true) + view.getUint16(p + 28, true);
  const end = start + e.compressedSize;
  if (end > bytes.length) throw new NpzError(`zip member '${e.name}' is truncated`);
  const raw = bytes.subarray(start, end);
  if (e.method === 0) return raw;
  if (e.method === 8) {
    const out = (zlib ??= requireHere('node:zlib') as typeof Zlib).inflateRawSync(raw);
    if (out.length !== e.size) throw new NpzError(`zip member '${e.name}' inflates to ${out.length} bytes, not ${e.size}`);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  throw new NpzError(`zip member '${e.name}' uses compression method ${e.method} (only stored and deflate are read)`);
}

/** The arrays of an .npz by key (the member name without `.npy`), in archive order. */
export function decodeNpz(bytes: Uint8Array): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const e of readEntries(bytes)) {
    if (e.name.endsWith('/')) continue;
    const key = e.name.replace(/\.npy$/, '');
    try {
      out.set(key, decodeNpy(entryBytes(bytes, e)));
    } catch (err) {
      if (err instanceof NpzError) throw err;
      throw new NpzError(`member '${e.name}': ${(err as Error).message}`);
    }
  }
  return out;
}
