import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRequirement, snapshotFromRequirements } from '../../src/env/requirements.js';
import { currentPlatform, parsePlatform, parsePythonVersion } from '../../src/env/target.js';
import { UserError } from '../../src/util/errors.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'env', 'requirements');
const file = (name: string) => join(dir, name);
const linux = { system: 'linux', machine: 'x86_64' };

function versions(snap: Awaited<ReturnType<typeof snapshotFromRequirements>>) {
  return Object.fromEntries(Object.values(snap.distributions).map((d) => [d.name, d.version]));
}

async function errorOf(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

describe('snapshotFromRequirements', () => {
  it('reads the seed pins as a planned env', async () => {
    const snap = await snapshotFromRequirements(file('seed-pins.txt'), { pythonVersion: '3.10', platform: linux });
    expect(snap).toMatchObject({ kind: 'requirements', planned: true, prefix: null, python: { version: '3.10', implementation: 'cpython' }, platform: linux });
    expect(versions(snap)).toEqual({
      torch: '2.8.0', tensorflow: '2.20.0', onnx: '1.19.0', 'onnx-tf': '1.10.0', keras: '3.11.3', 'tf-keras': '2.20.1',
      'tensorflow-probability': '0.25.0', 'tensorflow-addons': '0.23.0',
    });
    expect(snap.distributions['tf-keras']).toMatchObject({ displayName: 'tf_keras', installer: null, location: null, files: [] });
    expect(snap.unpinned).toEqual([]);
  });

  it('evaluates markers for the planned python and platform, follows -r, skips options', async () => {
    const snap = await snapshotFromRequirements(file('markers.txt'), { pythonVersion: '3.10.18', platform: linux });
    expect(versions(snap)).toEqual({
      onnx: '1.16.2', keras: '2.15.0', // from -r base.txt
      numpy: '1.26.4', tensorflow: '2.15.1', jax: '0.4.30', 'onnx-tf': '1.10.0', onnxruntime: '1.18.1',
      'tflite-runtime': '2.14.0', // a wheel file path: its name and version are in the file name
    });
    const unpinned = snap.unpinned!.map((u) => [u.name, u.specifier, u.line]);
    expect(unpinned).toEqual([
      ['protobuf', '>=3.20.3,<5', 16],
      ['tensorflow-addons', '~=0.23.0', 17],
      ['typing-extensions', '==4.*', 19],
      ['my-local', '@ file:///home/u/src/my_local-0.1-py3-none-any.whl', 23],
      ['onnx-tf-dev', '-e git+https://github.com/onnx/onnx-tensorflow.git@ee0c5e537e4ba8b3ed5b1c1e4e6d9a8c32b0fd21#egg=onnx_tf_dev', 24],
    ]);
    expect(snap.unpinned![0]!.file).toMatch(/markers\.txt$/);
  });

  it('gives other answers for another python and platform', async () => {
    const mac = await snapshotFromRequirements(file('markers.txt'), { pythonVersion: '3.12', platform: { system: 'darwin', machine: 'arm64' } });
    const v = versions(mac);
    expect(v['numpy']).toBe('2.1.3');
    expect(v['tensorflow-macos']).toBe('2.15.1');
    expect(v['tensorflow']).toBeUndefined();
    expect(v['jax']).toBeUndefined();
    const win = await snapshotFromRequirements(file('markers.txt'), { pythonVersion: '3.9.1', platform: { system: 'win32', machine: 'AMD64' } });
    expect(versions(win)).toMatchObject({ 'tensorflow-intel': '2.15.1', colorama: '0.4.6', 'importlib-metadata': '6.8.0' });
  });

  it('reads real pip freeze output, including direct references and editables', async () => {
    const freeze = await snapshotFromRequirements(file('legacy-freeze.txt'), { pythonVersion: '3.11', platform: linux });
    expect(versions(freeze)).toMatchObject({ tensorflow: '2.15.1', 'onnx-tf': '1.10.0', numpy: '1.26.4', 'tensorflow-addons': '0.23.0' });
    expect(Object.keys(freeze.distributions)).toHaveLength(53);
    const conda = await snapshotFromRequirements(file('conda-freeze.txt'), { pythonVersion: '3.11', platform: linux });
    expect(versions(conda)).toEqual({ 'absl-py': '2.1.0', onnx: '1.19.0', tensorflow: '2.20.0' });
    expect(conda.unpinned!.map((u) => [u.name, u.line])).toEqual([['numpy', 2], ['onnx-tf', 4]]);
  });

  it('fails with file:line and what is wrong', async () => {
    const opts = { pythonVersion: '3.10', platform: linux };
    expect((await errorOf(snapshotFromRequirements(file('bad-version.txt'), opts))).message)
      .toMatch(/bad-version\.txt:2: "1\.26\.4\.x" is not a valid PEP 440 version/);
    expect((await errorOf(snapshotFromRequirements(file('bad-specifier.txt'), opts))).message)
      .toMatch(/bad-specifier\.txt:3: ">> 2\.0" is not a version specifier/);
    expect((await errorOf(snapshotFromRequirements(file('bad-marker.txt'), opts))).message).toMatch(/bad-marker\.txt:1: /);
    expect((await errorOf(snapshotFromRequirements(file('double-pin.txt'), opts))).message)
      .toMatch(/double-pin\.txt:3: numpy is pinned to 2\.0\.0 but .*double-pin\.txt:2 pins it to 1\.26\.4/);
    expect((await errorOf(snapshotFromRequirements(file('cycle-a.txt'), opts))).message).toMatch(/includes itself \(cycle: cycle-a\.txt -> cycle-b\.txt -> cycle-a\.txt\)/);
    expect((await errorOf(snapshotFromRequirements(file('include-missing.txt'), opts))).message)
      .toMatch(/missing-include\.txt not found \(included from .*include-missing\.txt:1\)/);
    expect((await errorOf(snapshotFromRequirements(file('no-such-file.txt'), opts))).message).toMatch(/requirements file .*no-such-file\.txt not found/);
    expect((await errorOf(snapshotFromRequirements(dir, opts))).message).toMatch(/is a directory/);
    expect((await errorOf(snapshotFromRequirements(file('seed-pins.txt'), { pythonVersion: 'py310' }))).message).toMatch(/not a Python version/);
  });

  it('defaults the platform to this machine in Python spellings', async () => {
    const snap = await snapshotFromRequirements(file('seed-pins.txt'), { pythonVersion: '3.11' });
    expect(snap.platform).toEqual(currentPlatform());
    if (process.platform === 'linux' && process.arch === 'x64') expect(snap.platform).toEqual({ system: 'linux', machine: 'x86_64' });
    if (process.platform === 'linux' && process.arch === 'arm64') expect(snap.platform).toEqual({ system: 'linux', machine: 'aarch64' });
  });
});

describe('parseRequirement', () => {
  it('splits name, extras, specifiers, url and marker', () => {
    expect(parseRequirement('tensorflow[and-cuda, extra2]>=2.15,<2.16 ; python_version < "3.12"')).toEqual({
      name: 'tensorflow', extras: ['and-cuda', 'extra2'], specifier: '>=2.15,<2.16', marker: 'python_version < "3.12"',
    });
    expect(parseRequirement('onnx (==1.16.2)')).toEqual({ name: 'onnx', extras: [], specifier: '==1.16.2' });
    expect(parseRequirement('pkg @ https://x.org/pkg.whl ; os_name == "nt"')).toEqual({
      name: 'pkg', extras: [], specifier: '', url: 'https://x.org/pkg.whl', marker: 'os_name == "nt"',
    });
    expect(parseRequirement('numpy')).toEqual({ name: 'numpy', extras: [], specifier: '' });
    expect(() => parseRequirement('numpy 1.26')).toThrow(/unexpected "1\.26"/);
    expect(() => parseRequirement('numpy[x')).toThrow(/unclosed "\["/);
    expect(() => parseRequirement('numpy==1;')).toThrow(/empty marker/);
  });
});

describe('parsePlatform', () => {
  it('accepts SYSTEM-MACHINE in common spellings and answers in Python spellings', () => {
    expect(parsePlatform('linux-x86_64')).toEqual({ system: 'linux', machine: 'x86_64' });
    expect(parsePlatform('linux/amd64')).toEqual({ system: 'linux', machine: 'x86_64' });
    expect(parsePlatform('linux-arm64')).toEqual({ system: 'linux', machine: 'aarch64' });
    expect(parsePlatform('macos-arm64')).toEqual({ system: 'darwin', machine: 'arm64' });
    expect(parsePlatform('darwin-x86_64')).toEqual({ system: 'darwin', machine: 'x86_64' });
    expect(parsePlatform('windows-amd64')).toEqual({ system: 'win32', machine: 'AMD64' });
    expect(parsePlatform('linux-ppc64le')).toEqual({ system: 'linux', machine: 'ppc64le' });
    expect(parsePlatform('linux').system).toBe('linux');
    expect(() => parsePlatform('plan9-x86_64')).toThrow(/--platform "plan9-x86_64" is not a platform/);
    expect(() => parsePlatform('linux x86_64')).toThrow(UserError);
  });
});

describe('parsePythonVersion', () => {
  it('takes X.Y and X.Y.Z, refuses anything else with one line', () => {
    expect(parsePythonVersion('3.10')).toBe('3.10');
    expect(parsePythonVersion('3.10.18')).toBe('3.10.18');
    expect(() => parsePythonVersion('three')).toThrow(/--python-version "three" is not a Python version/);
    expect(() => parsePythonVersion('3')).toThrow(UserError);
  });
});
