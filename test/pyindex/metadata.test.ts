// Core metadata: real METADATA files from installed wheels (copied from the test venvs), and
// METADATA read out of real wheels (built by fixtures/pyindex/build.sh) and a ZIP64 archive
// written by Info-ZIP.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { IndexFile, IndexRelease } from '../../src/lock/types.js';
import { createHttpClient } from '../../src/pyindex/http.js';
import { chooseMetadataFile, metadataEntry, parseCoreMetadata, readWheelMetadataText } from '../../src/pyindex/metadata.js';
import { listZip, readZipEntry, type ByteSource } from '../../src/pyindex/zip.js';
import { fixtureRoot } from './helpers/serve-index.js';

const meta = (name: string): string => readFileSync(join(fixtureRoot, 'metadata', name), 'utf8');

describe('parseCoreMetadata on real METADATA files', () => {
  it('tensorflow-addons 0.23.0: old-style parenthesised specifiers and extras kept verbatim', () => {
    const m = parseCoreMetadata(meta('tensorflow_addons-0.23.0.METADATA'));
    expect(m.name).toBe('tensorflow-addons');
    expect(m.version).toBe('0.23.0');
    expect(m.requiresDist).toEqual([
      'packaging',
      'typeguard (<3.0.0,>=2.7)',
      "tensorflow (<2.16.0,>=2.13.0) ; extra == 'tensorflow'",
      "tensorflow-cpu (<2.16.0,>=2.13.0) ; extra == 'tensorflow-cpu'",
      "tensorflow-gpu (<2.16.0,>=2.13.0) ; extra == 'tensorflow-gpu'",
    ]);
  });

  it('onnx-tf 1.10.0 requires tensorflow-addons', () => {
    const m = parseCoreMetadata(meta('onnx_tf-1.10.0.METADATA'));
    expect(m.requiresDist).toEqual(['onnx (>=1.10.2)', 'PyYAML', 'tensorflow-addons']);
    expect(m.requiresPython).toBe('');
  });

  it('tensorflow 2.20.0: Requires-Python and all 35 Requires-Dist, the description body ignored', () => {
    const m = parseCoreMetadata(meta('tensorflow-2.20.0.METADATA'));
    expect(m.requiresPython).toBe('>=3.9');
    expect(m.requiresDist).toHaveLength(35);
    expect(m.requiresDist).toContain('keras>=3.10.0');
    expect(m.requiresDist.at(-1)).toBe('tensorflow-io-gcs-filesystem>=0.23.1; (sys_platform == "win32" and python_version < "3.12") and extra == "gcs-filesystem"');
  });

  it('ml-dtypes 0.3.2: a 200-line folded License header (with blank-looking continuation lines) does not end the headers', () => {
    const m = parseCoreMetadata(meta('ml_dtypes-0.3.2.METADATA'));
    expect(m.requiresPython).toBe('>=3.9');
    expect(m.requiresDist.slice(0, 4)).toEqual([
      'numpy >1.20',
      'numpy >=1.21.2 ; python_version >= "3.10"',
      'numpy >=1.23.3 ; python_version >= "3.11"',
      'numpy >=1.26.0 ; python_version >= "3.12"',
    ]);
  });
});

function localBytes(path: string): ByteSource & { close(): Promise<void> } {
  const h = open(path);
  return {
    size: async () => (await (await h).stat()).size,
    read: async (offset, length) => {
      const b = Buffer.alloc(length);
      const { bytesRead } = await (await h).read(b, 0, length, offset);
      return b.subarray(0, bytesRead);
    },
    close: async () => (await h).close(),
  };
}

const wheel = (v: string): string => join(fixtureRoot, 'files', `tfdoctor_fixture-${v}-py3-none-any.whl`);

describe('zip reading', () => {
  it('the fixture wheel: central directory listed, deflated METADATA inflated', async () => {
    const src = localBytes(wheel('0.9.0'));
    try {
      const entries = await listZip(src);
      expect(entries.map((e) => e.name)).toContain('tfdoctor_fixture-0.9.0.dist-info/METADATA');
      const entry = entries.find((e) => e.name.endsWith('/METADATA'))!;
      expect(entry.method).toBe(8);
      const text = (await readZipEntry(src, entry)).toString('utf8');
      expect(parseCoreMetadata(text)).toEqual({
        name: 'tfdoctor-fixture', version: '0.9.0', requiresPython: '>=3.9',
        requiresDist: ['numpy>=1.21', 'tf-keras==2.19.0; python_version < "3.12"', 'onnx>=1.16; extra == "onnx"'],
      });
    } finally {
      await src.close();
    }
  });

  const work = mkdtempSync(join(tmpdir(), 'tfdoctor-zip64-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const hasZip = (() => {
    try {
      execFileSync('zip', ['-v'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasZip)('a ZIP64 archive (Info-ZIP `zip -fz`: ZIP64 end records, offsets in the extra field) still yields its METADATA', async () => {
    const dir = join(work, 'src');
    mkdirSync(join(dir, 'big-1.0.dist-info'), { recursive: true });
    writeFileSync(join(dir, 'big.py'), 'x = 1\n');
    writeFileSync(join(dir, 'big-1.0.dist-info', 'METADATA'), `Metadata-Version: 2.1\nName: big\nVersion: 1.0\nRequires-Dist: numpy<2\n\n${'body '.repeat(200)}\n`);
    const path = join(work, 'big-1.0-py3-none-any.whl');
    execFileSync('zip', ['-q', '-fz', path, 'big.py', 'big-1.0.dist-info/METADATA'], { cwd: dir });
    const raw = readFileSync(path);
    expect(raw.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // the ZIP64 end record is there
    const src = localBytes(path);
    try {
      const entries = await listZip(src);
      expect(entries.map((e) => e.name)).toEqual(['big.py', 'big-1.0.dist-info/METADATA']);
      expect(entries[1]!.localHeaderOffset).toBeGreaterThan(0);
      const text = (await readZipEntry(src, entries[1]!)).toString('utf8');
      expect(parseCoreMetadata(text).requiresDist).toEqual(['numpy<2']);
    } finally {
      await src.close();
    }
  });

  it('a file that is not a zip gives a clear error', async () => {
    const src = localBytes(join(fixtureRoot, 'metadata', 'onnx_tf-1.10.0.METADATA'));
    try {
      await expect(listZip(src)).rejects.toThrow(/not a zip file/);
    } finally {
      await src.close();
    }
  });
});

describe('metadataEntry', () => {
  it('picks the top-level dist-info METADATA of this wheel', () => {
    expect(metadataEntry(['a/METADATA', 'pkg-1.0.dist-info/METADATA', 'pkg-1.0.dist-info/RECORD'], 'pkg-1.0-py3-none-any.whl')).toBe('pkg-1.0.dist-info/METADATA');
    expect(metadataEntry(['vendored-2.0.dist-info/METADATA', 'pkg-1.0.dist-info/METADATA'], 'pkg-1.0-py3-none-any.whl')).toBe('pkg-1.0.dist-info/METADATA');
    expect(metadataEntry(['pkg/x.py'], 'pkg-1.0-py3-none-any.whl')).toBeNull();
  });
});

describe('readWheelMetadataText on local files', () => {
  const http = createHttpClient();
  const f = (v: string, hasMetadata: boolean): IndexFile => ({
    filename: `tfdoctor_fixture-${v}-py3-none-any.whl`, url: pathToFileURL(wheel(v)).toString(), requiresPython: '>=3.9', hasMetadata, yanked: false,
  });

  it('PEP 658 file when advertised, the zip otherwise; both agree with the wheel', async () => {
    const viaPep658 = await readWheelMetadataText(f('1.0.0', true), http);
    const viaZip = await readWheelMetadataText(f('1.0.0', false), http);
    expect(viaPep658).toBe(readFileSync(`${wheel('1.0.0')}.metadata`, 'utf8'));
    expect(parseCoreMetadata(viaZip)).toEqual(parseCoreMetadata(viaPep658));
    expect(parseCoreMetadata(viaZip).requiresDist).toEqual(['numpy<2,>=1.26', 'tf-keras==2.19.0; python_version < "3.12"', 'onnx>=1.16; extra == "onnx"']);
    expect(http.requests).toBe(0);
  });
});

describe('chooseMetadataFile', () => {
  const f = (filename: string, extra: Partial<IndexFile> = {}): IndexFile => ({ filename, url: `https://x/${filename}`, requiresPython: '', hasMetadata: false, yanked: false, ...extra });
  const release: IndexRelease = {
    version: '2.20.0',
    files: [
      f('tensorflow-2.20.0-cp312-cp312-win_amd64.whl', { hasMetadata: true }),
      f('tensorflow-2.20.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'),
      f('tensorflow-2.20.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl'),
      f('tensorflow-2.20.0.tar.gz'),
    ],
  };
  it('prefers a wheel the target installs, then PEP 658, then manylinux x86_64; never an sdist', () => {
    expect(chooseMetadataFile(release, { python: '3.12', platform: { system: 'linux', machine: 'x86_64' } })?.filename)
      .toBe('tensorflow-2.20.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
    expect(chooseMetadataFile(release)?.filename).toBe('tensorflow-2.20.0-cp312-cp312-win_amd64.whl');
    expect(chooseMetadataFile({ version: '1', files: [f('x-1.tar.gz')] })).toBeNull();
  });
});
