// Index facts from the real PyPI, reached through this machine's pip settings (python3 -m pip
// config list: pypi.org plus the file:// indexes and find-links), with a fresh cache folder.
// The facts checked are the ones issue 7 builds on; network use: 4 project pages and 2 metadata reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIndexFacts, type PyIndexFacts } from '../../src/pyindex/index.js';
import { IndexMissError } from '../../src/pyindex/errors.js';
import { hasCompatibleWheel, incompatibility } from '../../src/pyindex/tags.js';
import { satisfies } from '../../src/matrix/pep440.js';

const linux = (python: string) => ({ python, platform: { system: 'linux', machine: 'x86_64' } });
const cacheDir = mkdtempSync(join(tmpdir(), 'tfdoctor-pyindex-real-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

let facts: PyIndexFacts;
beforeAll(async () => {
  facts = await createIndexFacts({ python: 'python3', cacheDir, target: linux('3.11') });
});

describe('PyPI facts through the machine pip settings', () => {
  it('the sources are those of pip config list', () => {
    expect(facts.sources.map((s) => s.url)[0]).toBe(facts.config.indexUrl);
    expect(facts.sources.length).toBe(1 + facts.config.extraIndexUrls.length + facts.config.findLinks.length);
  });

  it('tensorflow-addons 0.23.0 (the last release) has wheels for cp39-cp311 only: none for Python 3.12', async () => {
    const p = await facts.project('tensorflow-addons');
    expect(p?.releases[0]?.version).toBe('0.23.0');
    const r = p!.releases[0]!;
    expect(hasCompatibleWheel(r, linux('3.11'))).toBe(true);
    expect(incompatibility(r, linux('3.12'))).toEqual({ kind: 'no-wheel-for-python', pythonsSeen: ['cp39', 'cp310', 'cp311'] });
    expect(p!.releases.some((x) => hasCompatibleWheel(x, linux('3.12')))).toBe(false);
  });

  it('onnx2tf 1.29.24 pins tensorflow 2.19.0 and friends (METADATA); Requires-Python >=3.10.12', async () => {
    const m = await facts.metadata('onnx2tf', '1.29.24');
    expect(m?.requiresDist).toEqual(expect.arrayContaining(['tensorflow==2.19.0', 'tf-keras==2.19.0', 'onnx==1.19.1', 'numpy==1.26.4', 'ai-edge-litert==2.1.0']));
    expect(m?.requiresPython).toBe('>=3.10.12');
    expect(m?.from).toMatch(/onnx2tf-1\.29\.24-py3-none-any\.whl$/);
  });

  it('onnx2tf 2.x requires Python >= 3.12 (data-requires-python of every 2.x file)', async () => {
    const p = await facts.project('onnx2tf');
    const twos = p!.releases.filter((r) => r.version.startsWith('2.'));
    expect(twos.length).toBeGreaterThan(0);
    for (const r of twos) for (const f of r.files) {
      expect(satisfies('3.11', f.requiresPython), `${f.filename} ${f.requiresPython}`).toBe(false);
      expect(satisfies('3.12', f.requiresPython), `${f.filename} ${f.requiresPython}`).toBe(true);
    }
    const ones = p!.releases.filter((r) => r.version.startsWith('1.'));
    expect(ones[0]?.version).toBe('1.29.24');
  });

  it('litert-torch 0.10.0 requires torch>=2.4,<2.15 and ai-edge-litert[model-utils]>=2.3,<2.4, and no TensorFlow', async () => {
    const m = await facts.metadata('litert-torch', '0.10.0');
    expect(m?.requiresDist).toEqual(expect.arrayContaining(['torch<2.15.0,>=2.4.0', 'ai-edge-litert[model-utils]<2.4.0,>=2.3.0']));
    expect(m?.requiresDist.some((d) => /^(tensorflow|tf-nightly|ai-edge-tensorflow)\b/i.test(d))).toBe(false);
  });

  it('a second reader over the same cache answers with no network request', async () => {
    const sent = facts.stats().requests;
    expect(sent).toBeGreaterThan(0);
    const warm = await createIndexFacts({ config: facts.config, cacheDir, target: linux('3.11') });
    expect((await warm.project('tensorflow-addons'))?.releases[0]?.version).toBe('0.23.0');
    expect((await warm.metadata('onnx2tf', '1.29.24'))?.requiresDist).toContain('tensorflow==2.19.0');
    expect((await warm.metadata('litert-torch', '0.10.0'))?.requiresDist).toContain('torch<2.15.0,>=2.4.0');
    expect(warm.stats().requests).toBe(0);
  });

  it('--offline names what the cache lacks', async () => {
    const offline = await createIndexFacts({ config: facts.config, cacheDir, offline: true });
    await expect(offline.project('tensorflow-addons')).resolves.not.toBeNull();
    const err = await offline.prefetch(['tensorflow-addons', 'onnx-tf', 'tensorflow-probability']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexMissError);
    expect((err as Error).message).toBe('--offline: not cached: onnx-tf, tensorflow-probability');
    expect(offline.stats().requests).toBe(0);
  });

  it('the CPU torch build in the find-links folder is a release of torch (when present)', async () => {
    const p = await facts.project('torch');
    const local = p?.releases.find((r) => r.version === '2.13.0+cpu');
    if (!facts.config.findLinks.length || !local) return expect(facts.config.findLinks.includes('/opt/wheels')).toBe(false);
    expect(local.files[0]?.url).toMatch(/^file:\/\/\/opt\/wheels\//);
    expect(hasCompatibleWheel(local, linux('3.11'))).toBe(true);
    expect(hasCompatibleWheel(local, linux('3.12'))).toBe(false);
  });
});
