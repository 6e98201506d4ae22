// `tfdoctor fix` on a planned env, run as the built binary (node dist/tfdoctor.mjs, the bundled bin): the matrix-only pins
// (--no-index: no package index, no pip, so this stays a fast test), --json, --write-* files, refusals. The refereed
// plans (index + pip) are tested in test/real-env/fix-plans.test.ts.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist/tfdoctor.mjs');
const demo = join(root, 'examples/seed-env.txt');

function tfdoctor(args: string[]) {
  return execa('node', [bin, ...args], { reject: false, cwd: root, stdin: 'ignore', env: { NO_COLOR: '1' } });
}

describe('tfdoctor fix --requirements (built binary)', () => {
  it('prints the verified pins and what pins do not fix', async () => {
    const r = await tfdoctor(['fix', '--requirements', demo, '--python-version', '3.10', '--platform', 'linux-x86_64', '--no-index']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Pins (verified: check re-evaluated the env with them):');
    expect(r.stdout).toContain('fixes   TFA_KERAS3_KERAS_SRC_ENGINE: tensorflow==2.15.1 keras==2.15.0 tensorflow-probability==0.23.0 onnx==1.16.2 numpy==1.26.4');
    expect(r.stdout).toContain('remove  ai-edge-torch: it requires ai-edge-tensorflow, removed by TF_DISTRIBUTIONS_SHARE_PACKAGE');
    expect(r.stdout).toContain('run: pip uninstall -y ai-edge-tensorflow ai-edge-torch && pip install "keras==2.15.0" "numpy==1.26.4" "onnx==1.16.2" "tensorflow==2.15.1" "tensorflow-probability==0.23.0"');
    expect(r.stdout).toContain('ONNX_TF_OP_VERSION_GAP: no pin fixes it');
  });

  it('--json carries the pins; --write-* write the three files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-fix-cli-'));
    const req = join(dir, 'requirements.lock.txt');
    const con = join(dir, 'constraints.txt');
    const env = join(dir, 'environment.yml');
    const r = await tfdoctor(['fix', '--requirements', demo, '--python-version', '3.10', '--platform', 'linux-x86_64', '--json', '--no-index',
      '--write-requirements', req, '--write-constraints', con, '--write-conda-env', env]);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { pins: { pins: Record<string, string>; removals: string[]; verified: boolean; remaining: { code: string; reason: string }[] }; pinFiles: Record<string, string> };
    expect(doc.pins.pins.tensorflow).toBe('2.15.1');
    expect(doc.pins.removals).toEqual(['ai-edge-tensorflow', 'ai-edge-torch']);
    expect(doc.pins.verified).toBe(true);
    expect(doc.pins.remaining).toEqual([{ code: 'ONNX_TF_OP_VERSION_GAP', title: expect.any(String), reason: 'no-pin-fix', detail: expect.any(String) }]);
    expect(doc.pinFiles).toEqual({ [req]: 'written', [con]: 'written', [env]: 'written' });
    expect(readFileSync(req, 'utf8')).toMatch(/^tensorflow==2\.15\.1$/m);
    expect(readFileSync(con, 'utf8')).toMatch(/^onnx==1\.16\.2 {2}#/m);
    expect((parse(readFileSync(env, 'utf8')) as { dependencies: unknown[] }).dependencies[0]).toBe('python=3.10');
    // the written requirements check to the same one error
    const check = await tfdoctor(['check', '--requirements', req, '--python-version', '3.10', '--platform', 'linux-x86_64', '--json']);
    const errors = (JSON.parse(check.stdout) as { findings: { code: string; severity: string }[] }).findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.code)).toEqual(['ONNX_TF_OP_VERSION_GAP']);
  });

  // issue 7's two-TensorFlow env: the matrix-only proposal must not keep ai-edge-torch 0.6.0 while uninstalling the
  // ai-edge-tensorflow it pins (pip would install it again); the written file has neither
  it('the two-TensorFlow env: removing ai-edge-tensorflow removes ai-edge-torch 0.6.0 with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-fix-cli-'));
    const dual = join(dir, 'dual.txt');
    writeFileSync(dual, 'tensorflow==2.20.0\nai-edge-torch==0.6.0\ntorch==2.8.0\nai-edge-tensorflow==2.21.0.dev20250818\n');
    const req = join(dir, 'out.txt');
    const r = await tfdoctor(['fix', '--requirements', dual, '--python-version', '3.11', '--platform', 'linux-x86_64', '--json', '--no-index', '--write-requirements', req]);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { pins: { removals: string[]; dependentRemovals: { name: string; requires: string }[]; clean: boolean } };
    expect(doc.pins.removals).toEqual(['ai-edge-tensorflow', 'ai-edge-torch']);
    expect(doc.pins.dependentRemovals).toEqual([{ name: 'ai-edge-torch', requires: 'ai-edge-tensorflow', code: 'TF_DISTRIBUTIONS_SHARE_PACKAGE' }]);
    const names = readFileSync(req, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('==')[0]);
    expect(names).toContain('tensorflow');
    expect(names).not.toContain('ai-edge-torch');
    expect(names).not.toContain('ai-edge-tensorflow');
  });

  it('refuses clearly, before writing anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-fix-cli-'));
    const out = join(dir, 'x.txt');
    const cases: [string[], RegExp][] = [
      [['--requirements', demo, '--python-version', '3.10', '--apply-patches'], /patches apply to an installed environment/],
      [['--requirements', demo], /--requirements needs --python-version/],
      [['--requirements', demo, '--python-version', '3.10', '--write-requirements', out, '--write-constraints', out], /named by two --write-\* flags/],
      [['--requirements', demo, '--python-version', '3.10', '--write-requirements', dir], /it is a folder/],
      [['--python-version', '3.10'], /--python-version only applies with --requirements/],
      [['--requirements', demo, '--python-version', '3.10', '--no-index', '--plan', 'x', '--write-requirements', out], /--plan "x" is not a plan number/],
    ];
    for (const [args, message] of cases) {
      const r = await tfdoctor(['fix', ...args]);
      expect([args.join(' '), r.exitCode]).toEqual([args.join(' '), 2]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(out)).toBe(false);
  });
});
