// The simple API's page formats: real PyPI pages (saved in both forms, see fixtures/pyindex/pypi/SOURCE.txt),
// the fixture file:// index, and the machine's /opt/pypi/simple pages when present.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupReleases, isSimpleJson, parseSimpleHtml, parseSimpleJson, versionOfFile } from '../../src/pyindex/simple.js';
import { fixtureRoot } from './helpers/serve-index.js';

const pypi = (name: string): string => readFileSync(join(fixtureRoot, 'pypi', name), 'utf8');

describe('PyPI project pages: PEP 691 JSON and PEP 503 HTML say the same', () => {
  for (const project of ['tf-keras', 'onnx-tf']) {
    it(project, () => {
      const page = `https://pypi.org/simple/${project}/`;
      const fromJson = parseSimpleJson(pypi(`${project}.json`), page);
      const fromHtml = parseSimpleHtml(pypi(`${project}.html`), page);
      expect(fromJson.length).toBeGreaterThan(10);
      const key = (f: (typeof fromJson)[number]): string => JSON.stringify([f.filename, f.url, f.requiresPython, f.yanked, f.sha256]);
      expect(fromHtml.map(key).sort()).toEqual(fromJson.map(key).sort());
    });
  }

  it('tf-keras: 2.20.0 is yanked (wheel and sdist), Requires-Python read', () => {
    const files = parseSimpleJson(pypi('tf-keras.json'), 'https://pypi.org/simple/tf-keras/');
    const releases = groupReleases('tf-keras', files);
    const r220 = releases.find((r) => r.version === '2.20.0');
    expect(r220?.files.map((f) => [f.filename, f.yanked, f.requiresPython])).toEqual([
      ['tf_keras-2.20.0-py3-none-any.whl', true, '>=3.9'],
      ['tf_keras-2.20.0.tar.gz', true, '>=3.9'],
    ]);
    expect(releases.find((r) => r.version === '2.19.0')?.files.every((f) => !f.yanked)).toBe(true);
    // newest first, by PEP 440
    const versions = releases.map((r) => r.version);
    expect(versions.indexOf('2.21.0')).toBeLessThan(versions.indexOf('2.15.0'));
    expect(files.every((f) => f.sha256 && /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
  });

  it('onnx-tf: sdists with a dashed name and py2.py3 wheels group into one release', () => {
    const releases = groupReleases('onnx-tf', parseSimpleJson(pypi('onnx-tf.json'), 'https://pypi.org/simple/onnx-tf/'));
    const r = releases.find((x) => x.version === '1.10.0');
    expect(r?.files.map((f) => f.filename).sort()).toEqual(['onnx-tf-1.10.0.tar.gz', 'onnx_tf-1.10.0-py3-none-any.whl']);
    expect(releases.map((x) => x.version)).toContain('0.1');
  });
});

describe('PEP 658 / 714 and yanked attributes', () => {
  const page = pathToFileURL(join(fixtureRoot, 'simple', 'tfdoctor-fixture', 'index.html')).toString();
  const html = readFileSync(join(fixtureRoot, 'simple', 'tfdoctor-fixture', 'index.html'), 'utf8');

  it('fixture HTML page: metadata advertised, yanked with a reason, entities decoded, relative URLs resolved', () => {
    const files = parseSimpleHtml(html, page);
    expect(files.map((f) => [f.filename, f.hasMetadata, f.yanked, f.requiresPython])).toEqual([
      ['tfdoctor_fixture-1.0.0-py3-none-any.whl', true, false, '>=3.9'],
      ['tfdoctor_fixture-0.9.0-py3-none-any.whl', false, true, '>=3.9'],
    ]);
    expect(files[0]!.url).toBe(pathToFileURL(join(fixtureRoot, 'files', 'tfdoctor_fixture-1.0.0-py3-none-any.whl')).toString());
  });

  it('fixture JSON page says the same as its HTML page', () => {
    const json = readFileSync(join(fixtureRoot, 'simple', 'tfdoctor-fixture', 'index.json'), 'utf8');
    expect(parseSimpleJson(json, page)).toEqual(parseSimpleHtml(html, page));
  });

  it('data-core-metadata="false" is no metadata; data-dist-info-metadata alone counts (PEP 714 fallback)', () => {
    const [a, b] = parseSimpleHtml(
      '<a href="x-1.0-py3-none-any.whl" data-core-metadata="false">x</a><a href="x-1.1-py3-none-any.whl" data-dist-info-metadata="true">x</a>',
      'https://i.example/simple/x/',
    );
    expect([a?.hasMetadata, b?.hasMetadata]).toEqual([false, true]);
  });

  it('content types', () => {
    expect(isSimpleJson('application/vnd.pypi.simple.v1+json')).toBe(true);
    expect(isSimpleJson('text/html; charset=utf-8')).toBe(false);
    expect(isSimpleJson(null)).toBe(false);
  });
});

describe('versionOfFile', () => {
  it('normalises per PEP 440 and ignores other projects', () => {
    expect(versionOfFile('torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl', 'torch')).toBe('2.13.0+cpu');
    expect(versionOfFile('pkg-1.0-1.tar.gz', 'pkg')).toBe('1.0.post1');
    expect(versionOfFile('Pkg_Name-01.02RC1-py3-none-any.whl', 'pkg-name')).toBe('1.2rc1');
    expect(versionOfFile('numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl', 'torch')).toBeNull();
    expect(versionOfFile('pkg-notaversion.tar.gz', 'pkg')).toBeNull();
  });
});

const OPT = '/opt/pypi/simple';
describe.skipIf(!existsSync(OPT))(`the machine's file:// index ${OPT} (skipped: not present)`, () => {
  it('every project page parses to releases of that project, with sha256 and resolvable file URLs', () => {
    const projects = readdirSync(OPT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(projects.length).toBeGreaterThan(10);
    let files = 0;
    for (const p of projects.slice(0, 200)) {
      const pageFile = join(OPT, p, 'index.html');
      if (!existsSync(pageFile)) continue;
      const parsed = parseSimpleHtml(readFileSync(pageFile, 'utf8'), pathToFileURL(pageFile).toString());
      const releases = groupReleases(p, parsed);
      expect(releases.length, p).toBeGreaterThan(0);
      for (const f of parsed) {
        files++;
        expect(f.url.startsWith('file:///'), f.url).toBe(true);
        expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      }
    }
    expect(files).toBeGreaterThan(10);
  });
});
