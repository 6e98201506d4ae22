// The env snapshot cache on real on-disk envs: a fixture venv (the machine's python3, site-packages
// copied from the committed dist-info fixtures) probed for real, then changed the ways installs and
// removals change an env. Each change must be seen by the next read; an untouched env must be a hit.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { probeEnvironmentCached } from '../../src/env/cached-probe.js';
import { resolveTarget } from '../../src/env/discover.js';
import { recordOverlaps } from '../../src/env/overlaps.js';
import { probeEnvironment } from '../../src/env/probe.js';
import {
  cacheEntryFor, isRacy, lookupSnapshot, PROBE_ENV_VARS, pruneEntries, snapshotIdentity, statKey, storeSnapshot,
} from '../../src/env/snapshot-cache.js';
import type { EnvSnapshot } from '../../src/env/types.js';
import { fixtures, makeFixtureVenv, script, tempDir } from './helpers.js';

const savedEnv = { ...process.env };
beforeEach(() => {
  process.env.TFDOCTOR_CACHE_DIR = tempDir('tfdoctor-snapcache-');
});
afterAll(() => {
  process.env = savedEnv;
});

/** The snapshot with file lists dropped, as the cache keeps it, for comparing a fresh probe with a cached read. */
function withoutFiles(s: EnvSnapshot) {
  const strip = (d: EnvSnapshot['distributions'][string]) => ({ ...d, files: [] });
  return {
    ...s, filesOmitted: undefined, recordOverlaps: undefined,
    distributions: Object.fromEntries(Object.entries(s.distributions).map(([k, d]) => [k, strip(d)])),
    shadowed: s.shadowed.map(strip),
  };
}

// changes are checked at once here, so the racy margin (coarse file system clocks) is 0; its own test is below
const now = { racyMarginMs: 0 };
/** Waits until the clock has left the millisecond of the last write: with a margin of 0, a file written in the
 * probe's own (truncated) millisecond is racy, and whether that happens depended on the machine's speed. */
const afterWrites = () => new Promise((r) => setTimeout(r, 3));

describe('probeEnvironmentCached on a fixture venv', () => {
  let venv: ReturnType<typeof makeFixtureVenv>;
  beforeAll(() => {
    venv = makeFixtureVenv();
  });
  const read = async () => { await afterWrites(); return probeEnvironmentCached(await resolveTarget({ venv: venv.dir }, {}), now); };

  it('probes and stores on the first read, then answers from the cache with the same snapshot', async () => {
    const first = await read();
    expect(first.cache).toBe('absent; stored');
    const second = await read();
    expect(second.cache).toBe('hit');
    expect(second.snapshot.filesOmitted).toBe(true);
    expect(withoutFiles(second.snapshot)).toEqual(withoutFiles(first.snapshot));
    // the overlaps the rules need survive without the file lists (tensorflow and tensorflow-cpu share tensorflow/)
    const fresh = await probeEnvironment(await resolveTarget({ venv: venv.dir }, {}));
    expect(second.snapshot.recordOverlaps).toEqual(recordOverlaps(Object.values(fresh.distributions)));
    expect(second.snapshot.recordOverlaps!.map((g) => [...g.owners].sort())).toContainEqual(['tensorflow', 'tensorflow-cpu']);
    expect(second.snapshot.distributions['onnx-tf']!.importPackages).toEqual(['onnx_tf']);
  });

  it('sees a distribution installed into site-packages, and one removed', async () => {
    await read();
    expect((await read()).cache).toBe('hit');
    // what pip does: the package folder and its .dist-info appear
    cpSync(join(fixtures, 'site-packages', 'six-1.16.0.dist-info'), join(venv.sitePackages, 'six_copy-1.0.dist-info'), { recursive: true });
    const meta = join(venv.sitePackages, 'six_copy-1.0.dist-info', 'METADATA');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^Name: six$/m, 'Name: six-copy').replace(/^Version: .*$/m, 'Version: 1.0'));
    const installed = await read();
    expect(installed.cache).toBe(`changed: ${venv.sitePackages}; stored`);
    expect(installed.snapshot.distributions['six-copy']?.version).toBe('1.0');
    expect((await read()).snapshot.distributions['six-copy']?.version).toBe('1.0');

    rmSync(join(venv.sitePackages, 'six_copy-1.0.dist-info'), { recursive: true });
    const removed = await read();
    expect(removed.cache).toMatch(/^changed: .*; stored$/);
    expect(removed.snapshot.distributions['six-copy']).toBeUndefined();
    expect((await read()).cache).toBe('hit');
  });

  it('sees metadata rewritten in place (same folder entries, new content)', async () => {
    await read();
    const meta = join(venv.sitePackages, 'onnx-1.19.0.dist-info', 'METADATA');
    const text = readFileSync(meta, 'utf8');
    writeFileSync(meta, text.replace(/^Version: 1\.19\.0$/m, 'Version: 1.19.1'));
    const changed = await read();
    expect(changed.cache).toBe(`changed: ${meta}; stored`);
    expect(changed.snapshot.distributions['onnx']!.version).toBe('1.19.1');
    writeFileSync(meta, text);
  });

  it('sees a RECORD replaced (the file lists the overlaps come from)', async () => {
    await read();
    const record = join(venv.sitePackages, 'tensorflow_cpu-2.20.0.dist-info', 'RECORD');
    const text = readFileSync(record, 'utf8');
    writeFileSync(record, text.split('\n').filter((l) => !l.startsWith('tensorflow/')).join('\n'));
    const changed = await read();
    expect(changed.cache).toMatch(/^changed: .*; stored$/);
    expect(changed.snapshot.recordOverlaps!.map((g) => [...g.owners].sort())).not.toContainEqual(['tensorflow', 'tensorflow-cpu']);
    writeFileSync(record, text);
    expect((await read()).snapshot.recordOverlaps!.map((g) => [...g.owners].sort())).toContainEqual(['tensorflow', 'tensorflow-cpu']);
  });

  it('sees a new .pth path entry and what it holds', async () => {
    await read();
    const more = join(venv.dir, 'more');
    mkdirSync(more);
    cpSync(join(fixtures, 'site-packages', 'extra', 'onnx-1.16.2.dist-info'), join(more, 'onnx_old-1.16.2.dist-info'), { recursive: true });
    writeFileSync(join(venv.sitePackages, 'more.pth'), `${more}\n`);
    const changed = await read();
    expect(changed.cache).toBe(`changed: ${venv.sitePackages}; stored`);
    expect(changed.snapshot.shadowed.map((d) => d.location)).toContain(more);
    rmSync(join(venv.sitePackages, 'more.pth'));
  });

  it('sees include-system-site-packages switched in pyvenv.cfg', async () => {
    await read();
    const cfg = join(venv.dir, 'pyvenv.cfg');
    const text = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, text.replace('include-system-site-packages = false', 'include-system-site-packages = true'));
    const changed = await read();
    expect(changed.cache).toBe(`changed: ${cfg}; stored`);
    expect(changed.snapshot.sitePackages.length).toBeGreaterThan(1);
    writeFileSync(cfg, text);
  });

  it('treats a damaged, truncated or foreign cache file as a miss and replaces it', async () => {
    const first = await read();
    for (const bad of ['not json', readFileSync(first.file, 'utf8').slice(0, 500), '{"format":0}', JSON.stringify({ ...JSON.parse(readFileSync(first.file, 'utf8')), snapshot: null })]) {
      writeFileSync(first.file, bad);
      const r = await read();
      expect(r.cache).toBe('unreadable; stored');
      expect(Object.keys(r.snapshot.distributions)).toContain('onnx-tf');
      expect((await read()).cache).toBe('hit');
    }
  });

  it('keys on the variables the probe depends on: another PYTHONPATH is another entry', async () => {
    const a = await read();
    process.env.PYTHONPATH = join(venv.dir, 'elsewhere');
    try {
      const b = await read();
      expect(b.file).not.toBe(a.file);
      expect(b.cache).toBe('absent; stored');
    } finally {
      delete process.env.PYTHONPATH;
    }
    expect((await read()).cache).toBe('hit');
  });

  it('does not store a snapshot of an env changed within the racy margin', async () => {
    writeFileSync(join(venv.sitePackages, 'touched.txt'), 'x');
    // a margin no stall between the write and the probe's start can outlast (the default 2 s can, on a loaded
    // machine); the 2 s default itself is isRacy's test below
    const r = await probeEnvironmentCached(await resolveTarget({ venv: venv.dir }, {}), { racyMarginMs: 60_000 });
    expect(r.cache).toMatch(/not stored: the env changed moments ago$/);
    expect(lookupSnapshot(r.file, 'any').hit).toBe(false);
  });
});

describe('probeEnvironmentCached through a launcher', () => {
  it('stores nothing when the interpreter given is a script that starts another one (a shim)', async () => {
    const venv = makeFixtureVenv();
    const shim = script(tempDir(), 'python-shim', `exec ${venv.python} "$@"`);
    const r = await probeEnvironmentCached(await resolveTarget({ python: shim }, {}), now);
    expect(r.cache).toMatch(/not stored: .* is a launcher for /);
    expect((await probeEnvironmentCached(await resolveTarget({ python: shim }, {}), now)).cache).toMatch(/^absent; not stored/);
  });
});

describe('snapshot cache pieces', () => {
  it('statKey matches what python/probe.py records (the same path stat, as text)', async () => {
    const venv = makeFixtureVenv();
    await afterWrites();
    const r = await probeEnvironmentCached(await resolveTarget({ venv: venv.dir }, {}), now);
    const entry = JSON.parse(readFileSync(r.file, 'utf8')) as { stats: Record<string, string | null> };
    const paths = Object.keys(entry.stats);
    expect(paths).toContain(venv.sitePackages);
    expect(paths).toContain(join(venv.sitePackages, 'six-1.16.0.dist-info', 'RECORD'));
    expect(paths).toContain(join(venv.sitePackages, 'extra.pth'));
    for (const p of paths) expect(statKey(p), p).toBe(entry.stats[p]);
  });

  it('isRacy: a path changed within the margin before the probe is racy, an older one is not', () => {
    const dir = tempDir();
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    const stats = { [file]: statKey(file) };
    const mtimeMs = Number(BigInt(stats[file]!.split(',')[1]!) / 1_000_000n); // ctime: cannot be set back
    expect(isRacy(stats, mtimeMs + 1000, 2000)).toBe(true);
    expect(isRacy(stats, mtimeMs + 3000, 2000)).toBe(false);
    expect(isRacy({ [join(dir, 'missing')]: null }, Date.now(), 2000)).toBe(false);
    // an old mtime does not hide a fresh ctime (utimes can set mtime back, not ctime)
    utimesSync(file, new Date(0), new Date(0));
    expect(isRacy({ [file]: statKey(file) }, Date.now(), 2000)).toBe(true);
  });

  it('the identity lists the variables python/probe.py reports', () => {
    const probe = readFileSync(join(import.meta.dirname, '..', '..', 'python', 'probe.py'), 'utf8');
    const tuple = /^ENV_VARS = \(([^)]*)\)/m.exec(probe)![1]!;
    expect([...tuple.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]).sort()).toEqual([...PROBE_ENV_VARS].sort());
    const target = { interpreter: '/x/bin/python', prefix: '/x' };
    const id = (env: NodeJS.ProcessEnv, version = '1', script = 'p') => snapshotIdentity(target, env, version, script);
    expect(id({ KERAS_BACKEND: 'jax' })).not.toBe(id({}));
    expect(id({ PYTHONHOME: '/y' })).not.toBe(id({}));
    expect(id({}, '2')).not.toBe(id({}));
    expect(id({}, '1', 'q')).not.toBe(id({}));
    expect(id({ UNRELATED: '1' })).toBe(id({}));
  });

  it('storeSnapshot keeps the newest entries and removes the oldest beyond the limit', () => {
    const dir = tempDir();
    const entry = cacheEntryFor('id', { kind: 'venv', source: '/x', python: { version: '3.11.7', implementation: 'cpython', executable: '/x' }, platform: { system: 'linux', machine: 'x86_64' }, prefix: '/x', sitePackages: [], distributions: {}, shadowed: [], envVars: {}, planned: false }, { [dir]: statKey(dir) });
    for (let i = 0; i < 5; i++) {
      expect(storeSnapshot(join(dir, `e${i}.json`), entry, 3)).toBe(true);
      utimesSync(join(dir, `e${i}.json`), new Date(1000 * i), new Date(1000 * i));
    }
    pruneEntries(dir, 3);
    expect(readdirSync(dir).sort()).toEqual(['e2.json', 'e3.json', 'e4.json']);
    expect(lookupSnapshot(join(dir, 'e0.json'), 'id')).toEqual({ hit: false, reason: 'absent' });
    // the entry's one recorded path (the folder) changed when the entries were written
    expect(lookupSnapshot(join(dir, 'e4.json'), 'id')).toEqual({ hit: false, reason: 'changed', path: dir });
    expect(lookupSnapshot(join(dir, 'e4.json'), 'other')).toEqual({ hit: false, reason: 'other-env' });
  });
});
