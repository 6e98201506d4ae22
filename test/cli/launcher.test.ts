// The launcher (bin/tfdoctor, package.json's bin), run as npm links it: commands that open no TLS
// connection start Node without NODE_EXTRA_CA_CERTS, yet every process tfdoctor starts sees the
// user's value; lock and fix keep it. Real processes throughout. Node's own start-up warning for an
// unreadable NODE_EXTRA_CA_CERTS file tells whether the Node process was started with the variable.
// Needs `npm run build` (as the other built-binary tests do).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { restoreLauncherEnv, SAVED_EXTRA_CA_CERTS } from '../../src/cli/launcher-env.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: { tfdoctor: string } };
const work = mkdtempSync(join(tmpdir(), 'tfdoctor-launcher-'));

// installed as npm does it: node_modules/tfdoctor (here a link to the checkout) and a relative
// symlink node_modules/.bin/tfdoctor -> ../tfdoctor/<bin>
mkdirSync(join(work, 'node_modules', '.bin'), { recursive: true });
symlinkSync(root, join(work, 'node_modules', 'tfdoctor'));
symlinkSync(join('..', 'tfdoctor', manifest.bin.tfdoctor), join(work, 'node_modules', '.bin', 'tfdoctor'));
const bin = join(work, 'node_modules', '.bin', 'tfdoctor');

// a stand-in interpreter for `check --python`: records its environment and parent, then fails as a
// broken interpreter would (check then exits 2 with one line)
const fakePython = join(work, 'python');
writeFileSync(fakePython, '#!/bin/sh\n{ echo "ppid=$PPID"; env; } > "$TFDOCTOR_TEST_ENV_OUT"\nexit 3\n');
chmodSync(fakePython, 0o755);

const CERT_WARNING = /Ignoring extra certs from/;
const MISSING_CERTS = join(work, 'no-such-ca-bundle.pem');

function tfdoctor(args: string[], env: Record<string, string | undefined> = {}) {
  const merged: NodeJS.ProcessEnv = { ...process.env, TFDOCTOR_CACHE_DIR: join(work, 'cache'), ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return spawnSync(bin, args, { cwd: work, encoding: 'utf8', env: merged, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/** The environment (and parent pid) the stand-in interpreter saw when `check` started it. */
function childSees(env: Record<string, string | undefined>) {
  const out = join(mkdtempSync(join(work, 'child-')), 'env.txt');
  const r = tfdoctor(['check', '--python', fakePython, '--no-cache'], { ...env, TFDOCTOR_TEST_ENV_OUT: out });
  const lines = readFileSync(out, 'utf8').split('\n');
  const vars = new Map(lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { r, ppid: Number(vars.get('ppid')), vars };
}

describe('bin/tfdoctor (the launcher)', () => {
  it('runs through npm-style symlinks and answers --version', () => {
    const r = tfdoctor(['--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(manifest.version);
  });

  it('starts check and convert without NODE_EXTRA_CA_CERTS; lock and fix keep it', () => {
    const env = { NODE_EXTRA_CA_CERTS: MISSING_CERTS };
    for (const args of [['check', '--help'], ['convert', '--help'], ['patch', '--help'], ['--help']]) {
      const r = tfdoctor(args, env);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr, args.join(' ')).not.toMatch(CERT_WARNING);
    }
    for (const args of [['lock', '--help'], ['fix', '--help']]) {
      const r = tfdoctor(args, env);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(CERT_WARNING);
    }
  });

  it("a process check starts sees the user's NODE_EXTRA_CA_CERTS, and no trace of the launcher", () => {
    const { r, ppid, vars } = childSees({ NODE_EXTRA_CA_CERTS: MISSING_CERTS });
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(CERT_WARNING);
    expect(vars.get('NODE_EXTRA_CA_CERTS')).toBe(MISSING_CERTS);
    expect(vars.has(SAVED_EXTRA_CA_CERTS)).toBe(false);
    // exec: the launcher's process is node itself (signals reach it, its exit code is the launcher's)
    expect(ppid).toBe(r.pid);
    // set but empty stays set but empty; unset stays unset
    expect(childSees({ NODE_EXTRA_CA_CERTS: '' }).vars.get('NODE_EXTRA_CA_CERTS')).toBe('');
    const unset = childSees({ NODE_EXTRA_CA_CERTS: undefined }).vars;
    expect(unset.has('NODE_EXTRA_CA_CERTS')).toBe(false);
    expect(unset.has(SAVED_EXTRA_CA_CERTS)).toBe(false);
  });

  it('passes exit codes through: 0, 1 (findings), 2 (usage)', () => {
    expect(tfdoctor(['check', '--help']).status).toBe(0);
    const demo = tfdoctor(['check', '--requirements', join(root, 'examples/seed-env.txt'), '--python-version', '3.10', '--json']);
    expect(demo.status, demo.stderr).toBe(1);
    expect((JSON.parse(demo.stdout) as { schemaVersion: number }).schemaVersion).toBe(1);
    const bad = tfdoctor(['check', '--requirements', join(work, 'missing.txt'), '--python-version', '3.10']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^tfdoctor: /);
  });
});

describe('restoreLauncherEnv', () => {
  it("puts the launcher's copy back and drops it; leaves an env without one alone", () => {
    const env: NodeJS.ProcessEnv = { [SAVED_EXTRA_CA_CERTS]: '/etc/ca.pem', PATH: '/bin' };
    restoreLauncherEnv(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/ca.pem', PATH: '/bin' });
    const plain: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/x.pem' };
    restoreLauncherEnv(plain);
    expect(plain).toEqual({ NODE_EXTRA_CA_CERTS: '/x.pem' });
  });
});
