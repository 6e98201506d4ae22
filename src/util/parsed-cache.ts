// A content-keyed JSON cache for validated data files (matrix, patch catalogue, torch-export
// table). Parsing YAML with positions dominates a static check's time; the cache makes a warm
// run skip the YAML library entirely. Any change to a source file changes the key.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Yaml from 'yaml';
import { writeAtomicSync } from './atomic-write.js';
import { cacheDir } from './cache-dir.js';

/** The key of `parts` (file paths and contents, a format version) for `kind`. */
export function cacheKey(kind: string, parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return `${kind}-${h.digest('hex').slice(0, 24)}`;
}

export function readCached<T>(key: string): T | undefined {
  try {
    return JSON.parse(readFileSync(join(cacheDir(), `${key}.json`), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Best effort and atomic: a read-only or missing cache folder only costs speed. */
export function writeCached(key: string, value: unknown): void {
  try {
    const dir = cacheDir();
    mkdirSync(dir, { recursive: true });
    writeAtomicSync(join(dir, `${key}.json`), JSON.stringify(value));
  } catch {
    // ignore
  }
}

const requireHere = createRequire(import.meta.url);
let yamlModule: typeof Yaml | undefined;

/** The yaml library, loaded on first use (only when a cache misses). */
export function yaml(): typeof Yaml {
  yamlModule ??= requireHere('yaml') as typeof Yaml;
  return yamlModule;
}
