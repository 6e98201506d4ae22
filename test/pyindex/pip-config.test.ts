// The target pip's index settings: `pip config list` output captured on this machine, and the
// real pip run with a pip.conf in pip's format plus PIP_* variables.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envConfigValues, indexConfigFrom, parsePipConfigList, readPipConfig } from '../../src/pyindex/pip-config.js';
import { sourcesOf } from '../../src/pyindex/sources.js';
import { fixtureRoot } from './helpers/serve-index.js';

const captured = (name: string): string => readFileSync(join(fixtureRoot, 'pip', name), 'utf8');

describe('parsePipConfigList on captured output', () => {
  it('this machine: extra indexes split on whitespace, find-links from the environment', () => {
    const c = indexConfigFrom(parsePipConfigList(captured('config-list.txt')), {});
    expect(c).toEqual({
      indexUrl: 'https://pypi.org/simple',
      extraIndexUrls: ['file:///opt/pypi/simple', 'file:///opt/pypi-more/simple'],
      findLinks: ['/opt/wheels'],
      noIndex: false,
      proxy: null,
      cert: '/etc/ssl/certs/ca-certificates.crt',
    });
    expect(sourcesOf(c).map((s) => `${s.kind} ${s.url}`)).toEqual([
      'index https://pypi.org/simple',
      'index file:///opt/pypi/simple',
      'index file:///opt/pypi-more/simple',
      'find-links file:///opt/wheels',
    ]);
  });

  it('PIP_INDEX_URL and PIP_NO_INDEX (shown as :env:. keys) win; --no-index leaves find-links only', () => {
    const c = indexConfigFrom(parsePipConfigList(captured('config-list-env.txt')), {});
    expect(c.indexUrl).toBe('https://mirror.example/simple');
    expect(c.noIndex).toBe(true);
    expect(sourcesOf(c).map((s) => s.url)).toEqual(['file:///opt/wheels']);
  });

  it('the proxy comes from pip, else from HTTPS_PROXY', () => {
    expect(indexConfigFrom(new Map(), { HTTPS_PROXY: 'http://p.example:8080' }).proxy).toBe('http://p.example:8080');
    expect(indexConfigFrom(new Map([['proxy', 'http://pip.example:3128']]), { HTTPS_PROXY: 'http://p.example:8080' }).proxy).toBe('http://pip.example:3128');
  });

  it('PIP_* variables alone, when the target has no pip', () => {
    const c = indexConfigFrom(envConfigValues({ PIP_EXTRA_INDEX_URL: 'https://a.example/simple  https://b.example/simple', PIP_FIND_LINKS: '/w', HOME: '/x' }), {});
    expect(c.extraIndexUrls).toEqual(['https://a.example/simple', 'https://b.example/simple']);
    expect(c.findLinks).toEqual(['/w']);
  });
});

describe('readPipConfig through the real pip', () => {
  const work = mkdtempSync(join(tmpdir(), 'tfdoctor-pipconf-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('[install] over [global] over files, the environment over both; multi-line values split', async () => {
    const env = { ...process.env, PIP_CONFIG_FILE: join(fixtureRoot, 'pip', 'pip.conf'), PIP_FIND_LINKS: '/env/wheels' };
    delete env.PIP_INDEX_URL;
    delete env.PIP_EXTRA_INDEX_URL;
    delete env.PIP_NO_INDEX;
    delete env.PIP_PROXY;
    const c = await readPipConfig('python3', { env });
    expect(c.indexUrl).toBe('https://install.example/simple');
    expect(c.extraIndexUrls).toEqual(['https://extra-one.example/simple', 'https://extra-two.example/simple']);
    expect(c.findLinks).toEqual(['/env/wheels']);
    expect(c.proxy).toBe('http://proxy.example:3128');
  });

  it('a pip that does not answer is killed at the timeout', async () => {
    const fake = join(work, 'python');
    writeFileSync(fake, '#!/bin/sh\nexec sleep 60\n');
    chmodSync(fake, 0o755);
    const started = Date.now();
    await expect(readPipConfig(fake, { timeoutMs: 500 })).rejects.toThrow(/no answer within/);
    // measured 506-519 ms (12 runs, load 9-11 on 2 cores)
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a missing interpreter is one clear error', async () => {
    await expect(readPipConfig(join(work, 'no-such-python'))).rejects.toThrow(/pip config list failed/);
  });
});
