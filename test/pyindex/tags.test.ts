// Wheel-tag compatibility on real filenames from PyPI (tensorflow 2.20.0, onnx 1.19.1,
// tensorflow-addons 0.23.0, protobuf, cryptography, numpy) and the local torch CPU build.
import { describe, expect, it } from 'vitest';
import type { IndexFile, IndexRelease, Target } from '../../src/lock/types.js';
import { compatibleFiles, hasCompatibleWheel, incompatibility, parseSdistFilename, parseWheelFilename, wheelFits } from '../../src/pyindex/tags.js';

const linux = (python: string, machine = 'x86_64'): Target => ({ python, platform: { system: 'linux', machine } });
const mac = (python: string, machine = 'arm64'): Target => ({ python, platform: { system: 'darwin', machine } });
const win = (python: string, machine = 'AMD64'): Target => ({ python, platform: { system: 'win32', machine } });

function fits(filename: string, target: Target, glibc?: [number, number]): boolean {
  const w = parseWheelFilename(filename);
  if (!w) throw new Error(`not a wheel name: ${filename}`);
  return wheelFits(w, target, glibc ? { glibc } : {});
}

function file(filename: string, extra: Partial<IndexFile> = {}): IndexFile {
  return { filename, url: `https://files.example/${filename}`, requiresPython: '', hasMetadata: false, yanked: false, ...extra };
}

describe('parseWheelFilename', () => {
  it('expands compressed tag sets and normalises the name', () => {
    expect(parseWheelFilename('onnx_tf-1.10.0-py2.py3-none-any.whl')).toEqual({
      name: 'onnx-tf', version: '1.10.0', build: null, pythons: ['py2', 'py3'], abis: ['none'], platforms: ['any'],
    });
    const tf = parseWheelFilename('tensorflow-2.20.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
    expect(tf?.platforms).toEqual(['manylinux_2_17_x86_64', 'manylinux2014_x86_64']);
    expect(parseWheelFilename('torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl')?.version).toBe('2.13.0+cpu');
  });
  it('reads a build tag and refuses malformed names', () => {
    expect(parseWheelFilename('pkg-1.0-1-py3-none-any.whl')?.build).toBe('1');
    expect(parseWheelFilename('pkg-1.0-x1-py3-none-any.whl')).toBeNull();
    expect(parseWheelFilename('pkg-1.0-py3-none.whl')).toBeNull();
    expect(parseWheelFilename('pkg-1.0.tar.gz')).toBeNull();
  });
});

describe('parseSdistFilename', () => {
  it('splits the version after the name, even when the name has dashes', () => {
    expect(parseSdistFilename('onnx-tf-1.10.0.tar.gz', 'onnx-tf')).toEqual({ version: '1.10.0' });
    expect(parseSdistFilename('tf_keras-2.20.0.tar.gz', 'tf-keras')).toEqual({ version: '2.20.0' });
    expect(parseSdistFilename('onnx-1.19.1.zip', 'onnx')).toEqual({ version: '1.19.1' });
    expect(parseSdistFilename('onnx-tf-1.10.0.tar.gz', 'onnx')).toEqual({ version: 'tf-1.10.0' });
    expect(parseSdistFilename('numpy-1.26.4.tar.gz', 'onnx')).toBeNull();
  });
});

describe('wheelFits: CPython on linux x86_64 (glibc 2.39)', () => {
  const table: Array<[string, string, boolean]> = [
    ['tensorflow-2.20.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', '3.12', true],
    ['tensorflow-2.20.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', '3.11', false],
    ['tensorflow-2.20.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl', '3.12', false],
    ['tensorflow-2.20.0-cp312-cp312-macosx_12_0_arm64.whl', '3.12', false],
    ['tensorflow-2.20.0-cp312-cp312-win_amd64.whl', '3.12', false],
    ['onnx-1.19.1-cp313-cp313t-manylinux2014_x86_64.manylinux_2_17_x86_64.whl', '3.13', false],
    ['onnx-1.19.1-cp313-cp313-manylinux2014_x86_64.manylinux_2_17_x86_64.whl', '3.13', true],
    ['tensorflow_addons-0.23.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', '3.12', false],
    ['numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl', '3.11', true],
    ['numpy-2.0.2-cp311-cp311-musllinux_1_1_x86_64.whl', '3.11', false],
    ['torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl', '3.11', true],
    ['protobuf-5.29.5-cp38-abi3-manylinux2014_x86_64.whl', '3.12', true],
    ['protobuf-5.29.5-cp38-abi3-manylinux2014_x86_64.whl', '3.9', true],
    ['cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl', '3.9', true],
    ['cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl', '3.13', true],
    ['onnx_tf-1.10.0-py2.py3-none-any.whl', '3.12', true],
    ['onnx2tf-1.29.24-py3-none-any.whl', '3.9', true],
    ['some-1.0-py313-none-any.whl', '3.12', false],
    ['some-1.0-py310-none-any.whl', '3.12', true],
    ['some-1.0-cp312-none-any.whl', '3.12', true],
    ['some-1.0-cp311-none-any.whl', '3.12', false],
    ['some-1.0-py2-none-any.whl', '3.12', false],
    ['some-1.0-cp312-cp312-linux_x86_64.whl', '3.12', true],
    ['some-1.0-py3-none-manylinux1_x86_64.whl', '3.12', true],
  ];
  it.each(table)('%s on %s -> %s', (name, python, expected) => {
    expect(fits(name, linux(python))).toBe(expected);
  });

  it('manylinux_2_N needs glibc >= 2.N', () => {
    const w = 'numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl';
    expect(fits(w, linux('3.11'), [2, 27])).toBe(true);
    expect(fits(w, linux('3.11'), [2, 26])).toBe(false);
    expect(fits('x-1-cp311-cp311-manylinux2014_x86_64.whl', linux('3.11'), [2, 16])).toBe(false);
    expect(fits('x-1-cp311-cp311-manylinux2014_x86_64.whl', linux('3.11'), [2, 17])).toBe(true);
  });

  it('aarch64 wheels for linux aarch64 (and arm64 spelling)', () => {
    const w = 'tensorflow-2.20.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl';
    expect(fits(w, linux('3.12', 'aarch64'))).toBe(true);
    expect(fits(w, linux('3.12', 'arm64'))).toBe(true);
  });
});

describe('wheelFits: macOS and Windows', () => {
  it('macOS arm64 takes arm64 and universal2, not x86_64', () => {
    expect(fits('tensorflow-2.20.0-cp312-cp312-macosx_12_0_arm64.whl', mac('3.12'))).toBe(true);
    expect(fits('onnx-1.19.1-cp312-cp312-macosx_12_0_universal2.whl', mac('3.12'))).toBe(true);
    expect(fits('x-1-cp312-cp312-macosx_10_9_x86_64.whl', mac('3.12'))).toBe(false);
    expect(fits('x-1-cp312-cp312-macosx_10_9_x86_64.whl', mac('3.12', 'x86_64'))).toBe(true);
    expect(fits('onnx-1.19.1-cp312-cp312-macosx_12_0_universal2.whl', mac('3.12', 'x86_64'))).toBe(true);
  });
  it('Windows AMD64 takes win_amd64 only', () => {
    expect(fits('tensorflow-2.20.0-cp312-cp312-win_amd64.whl', win('3.12'))).toBe(true);
    expect(fits('onnx-1.19.1-cp312-cp312-win32.whl', win('3.12'))).toBe(false);
    expect(fits('onnx-1.19.1-cp312-cp312-win_arm64.whl', win('3.12'))).toBe(false);
    expect(fits('onnx-1.19.1-cp312-cp312-win_arm64.whl', win('3.12', 'ARM64'))).toBe(true);
    expect(fits('tensorflow-2.20.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', win('3.12'))).toBe(false);
  });
});

describe('compatibleFiles and incompatibility', () => {
  // tensorflow-addons 0.23.0 as PyPI lists it: cp39-cp311 wheels only
  const addons: IndexRelease = {
    version: '0.23.0',
    files: ['cp39', 'cp310', 'cp311'].flatMap((py) => [
      file(`tensorflow_addons-0.23.0-${py}-${py}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`),
      file(`tensorflow_addons-0.23.0-${py}-${py}-macosx_11_0_arm64.whl`),
      file(`tensorflow_addons-0.23.0-${py}-${py}-win_amd64.whl`),
    ]),
  };

  it('no cp312 wheel of tensorflow-addons 0.23.0: the reason names the pythons seen', () => {
    expect(hasCompatibleWheel(addons, linux('3.11'))).toBe(true);
    expect(hasCompatibleWheel(addons, linux('3.12'))).toBe(false);
    expect(incompatibility(addons, linux('3.12'))).toEqual({ kind: 'no-wheel-for-python', pythonsSeen: ['cp39', 'cp310', 'cp311'] });
    expect(incompatibility(addons, linux('3.11'))).toBeNull();
  });

  it('a platform with no wheel for a supported python', () => {
    expect(incompatibility(addons, linux('3.11', 'aarch64'))).toEqual({
      kind: 'no-wheel-for-platform',
      platformsSeen: ['macosx_11_0_arm64', 'manylinux2014_x86_64', 'manylinux_2_17_x86_64', 'win_amd64'],
    });
  });

  it('data-requires-python, yanked files and sdists', () => {
    const r: IndexRelease = {
      version: '2.0.0',
      files: [
        file('onnx2tf-2.0.0-py3-none-any.whl', { requiresPython: '>=3.12' }),
        file('onnx2tf-2.0.0.tar.gz', { requiresPython: '>=3.12' }),
      ],
    };
    expect(compatibleFiles(r, linux('3.12')).map((f) => f.filename)).toEqual(['onnx2tf-2.0.0-py3-none-any.whl']);
    expect(compatibleFiles(r, linux('3.12'), { sdist: true })).toHaveLength(2);
    expect(incompatibility(r, linux('3.11'))).toEqual({ kind: 'requires-python', requiresPython: ['>=3.12'] });

    const yanked: IndexRelease = { version: '2.20.0', files: [file('tf_keras-2.20.0-py3-none-any.whl', { yanked: true })] };
    expect(incompatibility(yanked, linux('3.11'))).toEqual({ kind: 'all-yanked' });
    expect(compatibleFiles(yanked, linux('3.11'), { yanked: true })).toHaveLength(1);

    const sdistOnly: IndexRelease = { version: '1.0', files: [file('onnx-tf-1.0.tar.gz')] };
    expect(incompatibility(sdistOnly, linux('3.11'))).toEqual({ kind: 'sdist-only', sdists: ['onnx-tf-1.0.tar.gz'] });
    expect(incompatibility({ version: '1', files: [] }, linux('3.11'))).toEqual({ kind: 'no-files' });
  });
});
