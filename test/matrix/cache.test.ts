// The validated matrix is cached by content: a warm load equals a fresh parse, and an edited
// file is parsed (and validated) again rather than served from the cache.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultMatrixDir, loadMatrix } from '../../src/matrix/load.js';

let cache: string;
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), 'tfdoctor-cache-'));
  vi.stubEnv('TFDOCTOR_CACHE_DIR', cache);
});
afterEach(() => vi.unstubAllEnvs());

describe('matrix cache', () => {
  it('a cached load equals a fresh parse', async () => {
    const fresh = await loadMatrix();
    expect(readdirSync(cache).filter((f) => f.startsWith('matrix-'))).toHaveLength(1);
    const warm = await loadMatrix();
    expect(warm).toEqual(JSON.parse(JSON.stringify(fresh)));
  });

  it('an edited file misses the cache and is validated again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-matrix-'));
    cpSync(defaultMatrixDir(), dir, { recursive: true });
    await loadMatrix(dir);
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, readFileSync(rules, 'utf8').replace(/severity: error/, 'severity: fatal'));
    await expect(loadMatrix(dir)).rejects.toThrow(/rules\.yaml:\d+:.*severity/);
  });
});
