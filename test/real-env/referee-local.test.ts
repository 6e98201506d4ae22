// pip's real resolver against real package indexes built on disk (file://, PEP 503 + PEP 658),
// isolated from this machine's pip configuration: resolution with `via`, the failure kinds,
// "the index lists a file it cannot serve", and a timeout that ends pip's whole process group.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform } from '../../src/env/target.js';
import { resolveWithPip, type RefereeOptions } from '../../src/lock/referee.js';
import { atLeast, choosePip, probeInterpreter, type PipRunner } from '../../src/lock/pip-select.js';
import { verifyFiles } from '../../src/lock/verify-files.js';
import type { RefereeOutcome, Target } from '../../src/lock/types.js';
import { buildLocalIndex, isolatedPipEnv, type LocalIndex } from './local-index.js';
import { closedPort } from '../closed-port.js';

const env = isolatedPipEnv();

let index: LocalIndex;
let target: Target;
const runners: Record<'own' | 'wheel', PipRunner | undefined> = { own: undefined, wheel: undefined };

beforeAll(async () => {
  index = buildLocalIndex([
    { name: 'alpha', version: '1.0', extras: ['fast'], requiresDist: ['beta>=1.0', 'epsilon; extra == "fast"', 'zeta; python_version < "3.0"'] },
    { name: 'beta', version: '1.0' },
    { name: 'beta', version: '2.0' },
    { name: 'gamma', version: '1.0', requiresDist: ['beta==1.0'] },
    { name: 'epsilon', version: '0.5', requiresDist: ['beta'] },
    { name: 'zeta', version: '1.0' },
    { name: 'future-only', version: '1.0', requiresPython: '>=3.99' },
  ]);
  // beta 2.0 stays listed, and its METADATA stays served, but the wheel itself is gone
  rmSync(index.wheel('beta', '2.0'));
  const host = await probeInterpreter('python3', 30_000, env);
  if (!host) throw new Error('python3 does not run');
  target = { python: host.minor, platform: currentPlatform() };
  runners.own = await choosePip(target, { python: 'python3', timeoutMs: 60_000, env });
  // the pip wheel is fetched once into the tfdoctor cache (from PyPI, with the machine's own pip settings)
  runners.wheel = await choosePip(target, { python: 'python3', timeoutMs: 120_000, prefer: 'wheel' });
}, 180_000);
afterAll(() => index?.remove());

describe.each(['own', 'wheel'] as const)('resolveWithPip against a local index, %s pip', (way) => {
  const pip = () => runners[way]!;
  const referee = (requirements: string[], more: Partial<RefereeOptions> = {}): Promise<RefereeOutcome> =>
    resolveWithPip({ target, requirements, timeoutMs: 120_000, pip: pip(), env, pipArgs: ['--index-url', index.url, '--no-cache-dir'], ...more });

  it('runs on the target interpreter without platform flags', () => {
    expect(pip().how).toBe(way);
    expect(pip().targetFlags).toEqual([]);
    expect(pip().pythonVersion.startsWith(`${target.python}.`)).toBe(true);
  });

  it('resolves the closure, with extras and markers deciding `via`', async () => {
    const out = await referee(['alpha[fast]==1.0'], { constraints: ['beta==1.0'] });
    expect(out.kind, JSON.stringify(out)).toBe('resolved');
    if (out.kind !== 'resolved') return;
    const pins = Object.fromEntries(out.packages.map((p) => [p.name, p.version]));
    // zeta's marker (python_version < "3.0") is false; epsilon comes with the "fast" extra
    expect(pins).toEqual({ alpha: '1.0', beta: '1.0', epsilon: '0.5' });
    const by = Object.fromEntries(out.packages.map((p) => [p.name, p]));
    expect(by.alpha!.requested).toBe(true);
    expect(by.beta!.requested).toBe(false);
    expect(by.beta!.via).toEqual(['alpha', 'epsilon']);
    expect(by.epsilon!.via).toEqual(['alpha']);
    expect(by.beta!.url).toMatch(/^file:.*beta-1\.0-py3-none-any\.whl$/);
    expect(out.pip?.how).toBe(way);
    expect(out.command).toContain('--dry-run');
    // pip config list ran under the same isolated environment: no config file, so no constraint
    expect(out.config?.some((l) => l.includes('constraint'))).toBe(false);
  });

  it('tells "the index lists a file it cannot serve" apart from a resolution', async () => {
    const out = await referee(['alpha==1.0']);
    const missing = /the index lists beta-2\.0-py3-none-any\.whl .*but cannot serve it/;
    if (atLeast(pip().pipVersion, [25, 3])) {
      // pip >= 25.3 resolves from the .metadata file alone (pypa/pip#13482): the dry run passes, verifyFiles does not
      expect(out.kind, JSON.stringify(out)).toBe('resolved');
      const checked = await verifyFiles(out, { timeoutMs: 10_000 });
      expect(checked.kind).toBe('index-error');
      if (checked.kind !== 'index-error') return;
      expect(checked.detail).toBe('the index lists beta-2.0-py3-none-any.whl (no such file) but cannot serve it');
      expect(checked.url).toMatch(/beta-2\.0-py3-none-any\.whl$/);
    } else {
      // older pips download every chosen wheel even in a dry run, so the run itself fails on it
      expect(out.kind, JSON.stringify(out)).toBe('index-error');
      if (out.kind === 'index-error') expect(out.detail).toMatch(missing);
    }
  });

  it('passes verifyFiles when every file is there', async () => {
    const out = await referee(['alpha==1.0'], { constraints: ['beta==1.0'] });
    expect(out.kind).toBe('resolved');
    const checked = await verifyFiles(out, { timeoutMs: 10_000 });
    expect(checked.kind).toBe('resolved');
    if (checked.kind === 'resolved') expect(checked.filesVerified).toEqual({ ok: 2, unverified: [] });
  });

  it('reports a conflict with the lines pip gives as its cause', async () => {
    const out = await referee(['gamma==1.0', 'beta==2.0']);
    expect(out.kind, JSON.stringify(out)).toBe('conflict');
    if (out.kind !== 'conflict') return;
    expect(out.causes).toContain('The user requested beta==2.0');
    expect(out.causes).toContain('gamma 1.0 depends on beta==1.0');
  });

  it('reports no-distribution with the versions pip saw', async () => {
    const out = await referee(['beta==3.0']);
    expect(out.kind, JSON.stringify(out)).toBe('no-distribution');
    if (out.kind !== 'no-distribution') return;
    expect(out.requirement).toBe('beta==3.0');
    expect(out.versionsSeen).toEqual(['1.0', '2.0']);
  });

  it('reports no-distribution for a release whose Requires-Python excludes the target', async () => {
    const out = await referee(['future-only']);
    expect(out.kind, JSON.stringify(out)).toBe('no-distribution');
    if (out.kind !== 'no-distribution') return;
    expect(out.versionsSeen).toEqual([]);
    // pip >= 23.3 names the versions it left out for their Requires-Python
    if (atLeast(pip().pipVersion, [23, 3])) expect(out.ignoredForPython).toEqual(['1.0 Requires-Python >=3.99']);
  });

  it.each([['retrying', ['--retries', '1']], ['not retrying', ['--retries', '0']]])(
    'reports an unreachable index as index-error, not as a missing distribution (pip %s)', async (_, retries) => {
      const out = await resolveWithPip({
        target, requirements: ['beta'], timeoutMs: 60_000, pip: pip(), env,
        pipArgs: ['--index-url', `http://127.0.0.1:${await closedPort()}/simple/`, '--no-cache-dir', '--timeout', '5', ...retries],
      });
      expect(out.kind, JSON.stringify(out)).toBe('index-error');
      if (out.kind === 'index-error') expect(out.detail).toMatch(/Connection refused|NewConnectionError/);
    });

  it('ends at the timeout, at once', async () => {
    const started = Date.now();
    const out = await referee(['alpha==1.0'], { timeoutMs: 300 });
    expect(out.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });
}, 120_000);

describe('resolveWithPip with platform flags (pip evaluates markers for its own interpreter)', () => {
  it('adds what the target needs, leaves out what only pip\'s interpreter needed, and says so', async () => {
    const host = (await probeInterpreter('python3', 30_000, env))!;
    const [major, minor] = host.minor.split('.').map(Number) as [number, number];
    const older: Target = { python: `${major}.${minor - 1}`, platform: currentPlatform() };
    // theta's two markers split at the running interpreter's version: pip (on python3) and the target disagree on both
    const markers = buildLocalIndex([
      { name: 'theta', version: '1.0', requiresDist: [`old-dep; python_version < "${host.minor}"`, `new-dep>=1; python_version >= "${host.minor}"`] },
      { name: 'old-dep', version: '1.0' },
      { name: 'new-dep', version: '1.0' },
    ]);
    try {
      const pip = await choosePip(older, { wheelOn: 'python3', timeoutMs: 120_000 });
      expect(pip.targetFlags).toEqual(expect.arrayContaining(['--python-version', older.python, '--abi', `cp${major}${minor - 1}`]));
      const out = await resolveWithPip({ target: older, requirements: ['theta==1.0'], timeoutMs: 120_000, pip, env, pipArgs: ['--index-url', markers.url, '--no-cache-dir'] });
      expect(out.kind, JSON.stringify(out)).toBe('resolved');
      if (out.kind !== 'resolved') return;
      expect(out.packages.map((p) => `${p.name}==${p.version}`)).toEqual(['old-dep==1.0', 'theta==1.0']);
      const oldDep = out.packages.find((p) => p.name === 'old-dep')!;
      expect(oldDep.via).toEqual(['theta']);
      expect(oldDep.requested).toBe(false);
      // round 1: pip skipped old-dep and took new-dep; round 2 names old-dep at the top level
      expect(out.rounds).toBe(2);
      expect(out.pruned).toEqual(['new-dep']);
      expect(out.markerDrift).toEqual([
        { from: 'theta', requirement: `old-dep; python_version < "${host.minor}"`, target: true, pip: false },
        { from: 'theta', requirement: `new-dep>=1; python_version >= "${host.minor}"`, target: false, pip: true },
      ]);
    } finally {
      markers.remove();
    }
  });
}, 120_000);

describe('the same index served over HTTP (python -m http.server)', () => {
  let server: ChildProcess | undefined;
  let url = '';
  beforeAll(async () => {
    server = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', index.root], { stdio: ['ignore', 'pipe', 'ignore'] });
    // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('http.server did not start')), 20_000);
      server!.stdout!.on('data', (d: Buffer) => {
        const m = /port (\d+)/.exec(d.toString());
        if (m) { clearTimeout(timer); resolve(m[1]!); }
      });
    });
    url = `http://127.0.0.1:${port}/simple/`;
  }, 30_000);
  afterAll(() => { server?.kill(); });

  it.each(['own', 'wheel'] as const)('classifies the missing wheel as index-error (%s pip; verifyFiles asks with HEAD)', async (way) => {
    const pip = runners[way]!;
    const out = await resolveWithPip({ target, requirements: ['alpha==1.0'], timeoutMs: 120_000, pip, env, pipArgs: ['--index-url', url, '--no-cache-dir'] });
    const missing = /the index lists beta-2\.0-py3-none-any\.whl .*but cannot serve it/;
    if (atLeast(pip.pipVersion, [25, 3])) {
      expect(out.kind, JSON.stringify(out)).toBe('resolved');
      const checked = await verifyFiles(out, { timeoutMs: 10_000 });
      expect(checked.kind).toBe('index-error');
      if (checked.kind === 'index-error') expect(checked.detail).toBe('the index lists beta-2.0-py3-none-any.whl (HTTP 404) but cannot serve it');
    } else {
      expect(out.kind, JSON.stringify(out)).toBe('index-error');
      if (out.kind === 'index-error') expect(out.detail).toMatch(missing);
    }
  });
}, 120_000);
