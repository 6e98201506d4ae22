// The env snapshot cache against real installs: `tfdoctor check` (the built CLI) on a throwaway venv
// while pip installs and removes a package in it, and on the dualtf venv (two distributions sharing
// files: the overlaps come from the cache) with and without the cache.
import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { RACY_MARGIN_MS } from '../../src/env/snapshot-cache.js';
import { ensureVenv } from '../../scripts/venvs.mjs';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist', 'tfdoctor.cjs');
const cacheDir = mkdtempSync(join(tmpdir(), 'tfdoctor-check-cache-'));

async function check(args: string[]) {
  const r = await execa(process.execPath, [bin, 'check', ...args, '--json', '--verbose'], {
    reject: false, env: { TFDOCTOR_CACHE_DIR: cacheDir }, stdin: 'ignore', timeout: 120_000,
  });
  expect([0, 1], r.stderr).toContain(r.exitCode);
  const note = r.stderr.split('\n').find((l) => l.includes('env snapshot cache: '))?.replace(/^.*env snapshot cache: /, '').replace(/ \(\/.*\)$/, '');
  return { doc: JSON.parse(r.stdout) as { environment: { distributionCount: number } }, stdout: r.stdout, note };
}

/** Past the racy margin: a snapshot of an env changed moments ago is not stored (coarse file system clocks). */
const settle = () => sleep(RACY_MARGIN_MS + 200);

/**
 * `check` at once after a change to `site` (a folder the probe stats), for the racy rule: when the whole run
 * ended within RACY_MARGIN_MS of the change, the probe started within it too, so the snapshot must not be
 * stored. How soon node and the probe start after pip returns is the machine's business (over 2 s under load
 * on 2 cores), so a run that ended later decides nothing: the folder is touched (a change like any other, so
 * the next check sees one again whatever that run stored) and check runs again, up to 3 times; `decided` says
 * whether one run was soon enough.
 */
async function checkRightAfterChange(venv: string, site: string) {
  for (let attempt = 1; ; attempt++) {
    const changedMs = statSync(site).ctimeMs;
    const r = await check(['--venv', venv]);
    const gapMs = Date.now() - changedMs;
    if (gapMs < RACY_MARGIN_MS) return { ...r, decided: true };
    console.warn(`[check-cache] check ended ${gapMs.toFixed(0)} ms after the change (attempt ${attempt}, cache: ${r.note}): the racy rule is not decided by it`);
    const now = new Date();
    utimesSync(site, now, now);
    if (attempt === 3) return { ...r, decided: false };
  }
}

describe('check through the env snapshot cache on a venv that pip changes', () => {
  let venv: string;
  const pip = (...args: string[]) => execa(join(venv, 'bin', 'python'), ['-m', 'pip', ...args, '--disable-pip-version-check', '--quiet'], { timeout: 300_000 });
  beforeAll(async () => {
    venv = join(mkdtempSync(join(tmpdir(), 'tfdoctor-cache-venv-')), 'venv');
    await execa('python3', ['-m', 'venv', venv], { timeout: 300_000 });
  });

  it('answers an unchanged venv from the cache, and sees an install and a removal at the next check', async () => {
    await settle();
    const first = await check(['--venv', venv]);
    expect(first.note).toBe('absent; stored');
    // the entry is keyed on this build (the bundle's content hash), not only the release version
    const [entryFile] = readdirSync(join(cacheDir, 'env-snapshots'));
    const identity = JSON.parse((JSON.parse(readFileSync(join(cacheDir, 'env-snapshots', entryFile), 'utf8')) as { identity: string }).identity) as unknown[];
    const bundleHash = readdirSync(join(root, 'dist', 'bundle')).map((n) => /^tfdoctor-(\w+)\.cjs$/.exec(n)?.[1]).find(Boolean);
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(identity[1]).toBe(`${version}+${bundleHash}`);
    const base = first.doc.environment.distributionCount;
    const hit = await check(['--venv', venv]);
    expect(hit.note).toBe('hit');
    expect(hit.stdout).toBe(first.stdout);

    await pip('install', 'six==1.17.0');
    const lib = join(venv, 'lib');
    const site = join(lib, readdirSync(lib).find((n) => n.startsWith('python'))!, 'site-packages');
    const installed = await checkRightAfterChange(venv, site);
    expect(installed.note).toMatch(installed.decided
      ? /^changed: .*; not stored: the env changed moments ago$/
      : /^changed: .*; (stored|not stored: the env changed moments ago)$/);
    expect(installed.doc.environment.distributionCount).toBe(base + 1);
    await settle();
    expect((await check(['--venv', venv])).note).toMatch(/^changed: .*; stored$/);
    const again = await check(['--venv', venv]);
    expect(again.note).toBe('hit');
    expect(again.doc.environment.distributionCount).toBe(base + 1);

    await pip('uninstall', '--yes', 'six');
    const removed = await check(['--venv', venv]);
    expect(removed.note).toMatch(/^changed: /);
    expect(removed.doc.environment.distributionCount).toBe(base);
    await settle();
    await check(['--venv', venv]);
    const last = await check(['--venv', venv]);
    expect(last.note).toBe('hit');
    expect(last.stdout).toBe(first.stdout);
  });
});

describe('check with and without the cache on dualtf (RECORD overlaps)', () => {
  it('prints the same report from a fresh probe, a stored snapshot and a cache hit', async () => {
    const dual = ensureVenv('dualtf') as { dir: string };
    const fresh = await check(['--venv', dual.dir, '--no-cache']);
    expect(fresh.note).toBeUndefined();
    expect(fresh.stdout).toContain('FILES_OWNED_BY_TWO_DISTRIBUTIONS');
    const stored = await check(['--venv', dual.dir]);
    expect(stored.note).toMatch(/; stored$/);
    const hit = await check(['--venv', dual.dir]);
    expect(hit.note).toBe('hit');
    expect(stored.stdout).toBe(fresh.stdout);
    expect(hit.stdout).toBe(fresh.stdout);
  });
});
