// The built CLI (node dist/tfdoctor.mjs, the bundled bin), run as a user would: exit codes, stdout/stderr split, no ANSI when piped.
import { mkdtempSync, cpSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist/tfdoctor.mjs');
const demo = join(root, 'examples/seed-env.txt');
const ANSI = /\u001b\[/;

/** The caller's env minus colour forcing, so "piped => no ANSI" is what is tested. */
function tfdoctor(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FORCE_COLOR' && k !== 'NO_COLOR'));
  return execa('node', [bin, ...args], { reject: false, cwd: root, env: { ...base, ...env }, extendEnv: false, stdin: 'ignore' });
}

describe('tfdoctor check (built binary)', () => {
  it('the built-in demo exits 1 and names the seed failures, without ANSI when piped', async () => {
    const r = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10']);
    expect(r.exitCode, r.stderr).toBe(1);
    for (const code of ['ONNX_TF_OP_VERSION_GAP', 'ONNX_MAPPING_REMOVED', 'TFA_KERAS3_KERAS_SRC_ENGINE', 'TFA_KERAS3_LAZYADAM_GET_CONFIG',
      'TFA_KERAS3_ABSTRACT_RNN_CELL', 'TF_DISTRIBUTIONS_SHARE_PACKAGE']) {
      expect(r.stdout).toContain(code);
    }
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('FORCE_COLOR turns colour on even when piped', async () => {
    const r = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10'], { FORCE_COLOR: '1' });
    expect(r.stdout).toMatch(ANSI);
  });

  it('--json prints one parseable document on stdout, nothing else there', async () => {
    const r = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10', '--json']);
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.routes.find((x: { id: string }) => x.id === 'native').viable).toBe(true);
    expect(doc.findings.map((f: { code: string }) => f.code)).toContain('ONNX_MAPPING_REMOVED');
    expect(r.stdout).not.toMatch(ANSI);
  });

  it.each([
    [['check', '--requirements', demo], /--requirements needs --python-version/],
    [['check', '--requirements', demo, '--python-version', '3.10', '--deep'], /--deep needs a real environment/],
    [['check', '--requirements', demo, '--python-version', 'three'], /--python-version "three" is not a Python version/],
    [['check', '--requirements', demo, '--python-version', '3.10', '--platform', 'amiga'], /--platform "amiga" is not a platform/],
    [['check', '--python-version', '3.10'], /--python-version only applies with --requirements/],
    [['check', '--requirements', demo, '--python', '/usr/bin/python3', '--python-version', '3.10'], /cannot be combined/],
    [['check', '--requirements', '/nonexistent/reqs.txt', '--python-version', '3.10'], /reqs\.txt/],
    [['check', '--python', '/nonexistent/python'], /\/nonexistent\/python/],
  ])('usage error %j exits 2 with one line, no stack trace', async (args, message) => {
    const r = await tfdoctor(args);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('a malformed --matrix fails with file:line, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-matrix-'));
    cpSync(join(root, 'matrix'), dir, { recursive: true });
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, readFileSync(rules, 'utf8').replace('    severity: error\n', '    severity: catastrophic\n'));
    const r = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10', '--matrix', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/rules\.yaml:\d+: severity "catastrophic" is not one of error, warning, info/);
  });

  it('runs on the machine python3 (real probe) and exits 0 or 1 with a JSON document', async () => {
    const r = await tfdoctor(['check', '--python', 'python3', '--json']);
    expect([0, 1]).toContain(r.exitCode);
    const doc = JSON.parse(r.stdout);
    expect(doc.environment.planned).toBe(false);
    expect(doc.routes).toHaveLength(4);
  });
});
