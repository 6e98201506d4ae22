// The core metadata of a release (Requires-Dist, Requires-Python), read as cheaply as the index
// allows: the PEP 658 `<file>.metadata` file when served, else the wheel's .dist-info/METADATA
// out of the zip (a local file read directly, a remote one through HTTP range requests).
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { IndexFile, IndexRelease, Target } from '../lock/types.js';
import { IndexFileError, IndexUnreachableError } from './errors.js';
import type { HttpClient } from './http.js';
import { parseWheelFilename, wheelFits } from './tags.js';
import { listZip, readZipEntry, ZipFormatError, type ByteSource } from './zip.js';

export interface CoreMetadata {
  name: string;
  version: string;
  requiresPython: string;
  requiresDist: string[];
}

/** RFC 822-style METADATA / PKG-INFO headers (up to the first blank line; continuation lines folded). */
export function parseCoreMetadata(text: string): CoreMetadata {
  const headers: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (/^[ \t]/.test(line) && headers.length) {
      headers[headers.length - 1]![1] += `\n${line.trim()}`;
      continue;
    }
    const i = line.indexOf(':');
    if (i > 0) headers.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  const one = (k: string): string => headers.find(([h]) => h === k)?.[1] ?? '';
  return {
    name: one('name'),
    version: one('version'),
    requiresPython: one('requires-python'),
    requiresDist: headers.filter(([h]) => h === 'requires-dist').map(([, v]) => v.replace(/\s*\n\s*/g, ' ')),
  };
}

/**
 * The file whose metadata stands for the release (metadata is per release in practice): an
 * unyanked wheel, preferring one the target can install, then one with PEP 658 metadata, then
 * py3-none-any, then manylinux x86_64; ties by filename so the choice is stable. null when the
 * release has no wheel (sdists need a build to know their requirements).
 */
export function chooseMetadataFile(release: IndexRelease, target?: Target): IndexFile | null {
  let best: { file: IndexFile; score: number } | null = null;
  for (const file of release.files) {
    const wheel = parseWheelFilename(file.filename);
    if (!wheel) continue;
    let score = 0;
    if (!file.yanked) score += 16;
    if (target && wheelFits(wheel, target)) score += 8;
    if (file.hasMetadata) score += 4;
    if (wheel.abis.includes('none') && wheel.platforms.includes('any')) score += 2;
    if (wheel.platforms.some((p) => /^manylinux.*_x86_64$/.test(p))) score += 1;
    if (!best || score > best.score || (score === best.score && file.filename < best.file.filename)) best = { file, score };
  }
  return best?.file ?? null;
}

/** The METADATA text of a wheel file. */
export async function readWheelMetadataText(file: IndexFile, http: HttpClient): Promise<string> {
  if (file.hasMetadata) {
    const text = await readPep658(file, http);
    if (text !== null) return text;
  }
  const src: ByteSource = file.url.startsWith('file:') ? localSource(fileURLToPath(file.url)) : httpRangeSource(file.url, http);
  try {
    const entries = await listZip(src);
    const entry = metadataEntry(entries.map((e) => e.name), file.filename);
    if (!entry) throw new IndexFileError(file.url, 'no .dist-info/METADATA in the wheel');
    return (await readZipEntry(src, entries.find((e) => e.name === entry)!)).toString('utf8');
  } catch (err) {
    if (err instanceof ZipFormatError) throw new IndexFileError(file.url, err.message);
    throw err;
  } finally {
    await (src as { close?: () => Promise<void> }).close?.();
  }
}

/** `<file-url>.metadata`; null when it is not there after all (then the wheel itself is read). */
async function readPep658(file: IndexFile, http: HttpClient): Promise<string | null> {
  const url = `${file.url}.metadata`;
  if (url.startsWith('file:')) {
    const handle = await open(fileURLToPath(url)).catch(() => null);
    if (!handle) return null;
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }
  const res = await http.get(url);
  if (res.status === 200) return res.body.toString('utf8');
  if (res.status === 404) return null;
  throw new IndexUnreachableError(url, `HTTP ${res.status}`);
}

/** The top-level `<name>-<version>.dist-info/METADATA` (the wheel's name part picks it when several). */
export function metadataEntry(names: readonly string[], wheelFilename: string): string | null {
  const candidates = names.filter((n) => /^[^/]+\.dist-info\/METADATA$/.test(n));
  if (candidates.length <= 1) return candidates[0] ?? null;
  const prefix = wheelFilename.split('-').slice(0, 2).join('-').toLowerCase();
  return candidates.find((n) => n.toLowerCase().startsWith(`${prefix}.dist-info/`)) ?? candidates[0]!;
}

function localSource(path: string): ByteSource & { close(): Promise<void> } {
  const handle = open(path);
  handle.catch(() => undefined);
  return {
    size: async () => (await (await handle).stat()).size,
    read: async (offset, length) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await (await handle).read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    },
    close: async () => {
      await (await handle.catch(() => null))?.close();
    },
  };
}

/** A remote file read by HTTP range requests; the first asks for the tail, which also gives the size. */
function httpRangeSource(url: string, http: HttpClient): ByteSource {
  let tail: Promise<{ size: number; start: number; bytes: Buffer }> | null = null;
  const fetchTail = (): Promise<{ size: number; start: number; bytes: Buffer }> => {
    tail ??= (async () => {
      const res = await http.get(url, { range: { start: -(22 + 0xffff) } });
      if (res.status !== 206) throw new IndexFileError(url, `no PEP 658 metadata and the server does not serve byte ranges (HTTP ${res.status})`);
      const total = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (!total) throw new IndexFileError(url, 'byte range answer without a total size');
      const size = Number(total);
      return { size, start: size - res.body.length, bytes: res.body };
    })();
    return tail;
  };
  return {
    size: async () => (await fetchTail()).size,
    read: async (offset, length) => {
      const t = await fetchTail();
      if (offset >= t.start && offset + length <= t.start + t.bytes.length) return t.bytes.subarray(offset - t.start, offset - t.start + length);
      if (length === 0) return Buffer.alloc(0);
      const res = await http.get(url, { range: { start: offset, end: offset + length - 1 } });
      if (res.status !== 206) throw new IndexFileError(url, `byte range not served (HTTP ${res.status})`);
      return res.body;
    },
  };
}
