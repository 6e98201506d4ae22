// Parsing recorded probe output (no Python needed): the legacy venv, and a conda env whose
// conda-meta records say which distributions conda owns.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { condaOwnedMetadataDirs } from '../../src/env/conda.js';
import { parseProbeOutput, readRecordFiles, type ProbeOutput } from '../../src/env/probe.js';
import { UserError } from '../../src/util/errors.js';
import { fixtures } from './helpers.js';

const legacyTarget = { kind: 'venv' as const, interpreter: '/root/.cache/tfdoctor/venvs/legacy-24b6db68d317/bin/python', prefix: '/root/.cache/tfdoctor/venvs/legacy-24b6db68d317', description: 'venv' };

describe('parseProbeOutput', () => {
  it('turns the recorded legacy probe into a snapshot', () => {
    const recorded = readFileSync(join(fixtures, 'probe', 'legacy-venv.json'), 'utf8');
    // the RECORDs the probe pointed at, kept (trimmed) beside the recording
    const records = new Map<string, string>();
    for (const d of (JSON.parse(recorded) as ProbeOutput).distributions) {
      records.set(d.record!.path, readFileSync(join(fixtures, 'probe', 'legacy-records', basename(d.metadataDir), 'RECORD'), 'utf8'));
    }
    const snap = parseProbeOutput(recorded, legacyTarget, null, records);
    expect(snap.kind).toBe('venv');
    expect(snap.source).toBe(legacyTarget.prefix);
    expect(snap.python).toEqual({ version: '3.11.7', implementation: 'cpython', executable: legacyTarget.interpreter });
    expect(snap.platform).toEqual({ system: 'linux', machine: 'x86_64' });
    expect(Object.fromEntries(Object.values(snap.distributions).map((d) => [d.name, d.version]))).toEqual({
      keras: '2.15.0', numpy: '1.26.4', onnx: '1.16.2', 'onnx-tf': '1.10.0', pip: '23.2.1', protobuf: '4.25.9',
      tensorflow: '2.15.1', 'tensorflow-addons': '0.23.0',
    });
    // real top_level.txt contents: tensorflow and onnx-tf both claim `third_party`, tensorflow-addons ships `_foo`
    expect(snap.distributions['tensorflow']!.importPackages).toEqual(['tensorflow', 'third_party']);
    expect(snap.distributions['tensorflow-addons']!.importPackages).toEqual(['_foo', 'tensorflow_addons']);
    expect(snap.distributions['onnx-tf']!.files).toEqual([
      '../../../bin/onnx-tf', 'onnx_tf-1.10.0.dist-info/INSTALLER', 'onnx_tf-1.10.0.dist-info/LICENSE', 'onnx_tf-1.10.0.dist-info/METADATA',
      'onnx_tf-1.10.0.dist-info/RECORD', 'onnx_tf-1.10.0.dist-info/REQUESTED', 'onnx_tf/common/data_type.py',
    ]);
    expect(snap.distributions['onnx-tf']!.condaOwned).toBeUndefined();
    // without its RECORD text a distribution lists no files (and derives no import packages from them)
    expect(parseProbeOutput(recorded, legacyTarget).distributions['numpy']).toMatchObject({ files: [], importPackages: [] });
    expect(snap.condaMeta).toBeUndefined();
  });

  it('refuses output that is not the probe document', () => {
    expect(() => parseProbeOutput('Python 3.11.7\n', legacyTarget)).toThrow(UserError);
    expect(() => parseProbeOutput('{"some": "json"}', legacyTarget)).toThrow(/did not answer the probe/);
    expect(() => parseProbeOutput('{"tfdoctorProbe": 1, "trunc', legacyTarget)).toThrow(UserError);
  });
});

describe('conda envs', () => {
  const prefix = join(fixtures, 'conda-prefix');
  const recorded = readFileSync(join(fixtures, 'probe', 'conda-env.json'), 'utf8').replaceAll('@PREFIX@', prefix);

  it('collects the metadata folders the conda-meta records own', async () => {
    const owned = await condaOwnedMetadataDirs(prefix);
    expect(owned && [...owned].sort()).toEqual(['lib/python3.11/site-packages/numpy-1.26.4.dist-info']);
    expect(await condaOwnedMetadataDirs(join(fixtures, 'site-packages'))).toBeNull();
  });

  it('marks conda-owned distributions and pip-installed ones apart', async () => {
    const target = { kind: 'conda' as const, interpreter: join(prefix, 'bin', 'python'), prefix, description: 'conda env' };
    const snap = parseProbeOutput(recorded, target, await condaOwnedMetadataDirs(prefix), await readRecordFiles(JSON.parse(recorded) as ProbeOutput));
    expect(snap.kind).toBe('conda');
    expect(snap.condaMeta).toBe(join(prefix, 'conda-meta'));
    expect(snap.distributions['numpy']).toMatchObject({ version: '1.26.4', installer: 'conda', condaOwned: true });
    expect(snap.distributions['onnx']).toMatchObject({ version: '1.19.0', installer: 'pip', condaOwned: false });
    expect(snap.distributions['numpy']!.files).toEqual(['numpy/__init__.py', 'numpy-1.26.4.dist-info/INSTALLER', 'numpy-1.26.4.dist-info/METADATA', 'numpy-1.26.4.dist-info/RECORD']);
    expect(snap.distributions['numpy']!.importPackages).toEqual(['numpy']);
  });
});
