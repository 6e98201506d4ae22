// Fault test for the patch engine (issue #4 "Done when"): on a COPY of the real seed venv, the
// apply of `tfdoctor fix --apply-patches` is SIGKILLed at random moments, again and again. After every
// kill no targeted file may be half-written (each holds exactly its original or a patched
// version), and a rerun (even iterations) or a revert (odd iterations) must end consistent;
// the final revert must give back a site-packages tree byte-identical to the pristine copy.
//
// The process killed is test/patch/fault-cli.ts (the engine calls of `fix --apply-patches` and
// `patch revert --all`, without the rest of the CLI), compiled by this test into a private folder:
// the shared dist/ may be rebuilt by a concurrent `npm run build` while the test runs.
//
// TFDOCTOR_TEST_SLOW_MS makes the engine sleep between the steps of its write protocol
// (backup, journal intent, temp write + rename, journal done), so random kill times land inside
// the protocol and not only before or after it; every fourth kill is the engine's own SIGKILL at a
// random protocol step (TFDOCTOR_TEST_KILL_AT_STEP), so the protocol is hit even when start-up
// time on a loaded machine swamps the timed kills. TFDOCTOR_FAULT_SEED replays a run; TFDOCTOR_FAULT_KILLS
// sets the number of killed applies (default 24); TFDOCTOR_FAULT_KEEP=1 keeps the copy.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error - plain ESM helper without types
import { ensureVenv } from '../../scripts/venvs.mjs';
import { mulberry32 } from '../../src/verify/prng.js';
import { resolveTarget } from '../../src/env/discover.js';
import { probeEnvironment } from '../../src/env/probe.js';
import { defaultCatalogueRoot, loadCatalogue } from '../../src/patch/catalogue.js';
import { sha256 } from '../../src/patch/diff.js';
import { planPatches } from '../../src/patch/plan.js';
import { foldJournal, readJournal } from '../../src/patch/state.js';
import { fixtureCatalogue, installDemoPackage, treeHash } from '../patch/fixture-env.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const KILLS = Number(process.env.TFDOCTOR_FAULT_KILLS ?? 24);
const SLOW_MS = 25;
const seed = Number(process.env.TFDOCTOR_FAULT_SEED ?? Date.now() % 1_000_000);

// mulberry32 (seeded), so a failing run can be replayed with its printed seed
const prng = mulberry32;

interface RunResult { code: number | null; signal: string | null; ms: number; stderr: string; stdout: string }

describe('patch engine under SIGKILL on a copy of the seed venv', () => {
  let work: string;
  let venv: string;
  let site: string;
  let pristine: string;
  let extraEnv: Record<string, string> = {};
  let selectArgs: string[] = [];
  let entry = '';
  let targets: Target[] = [];
  let catalogueUsed = '';
  const rnd = prng(seed);

  // killAfterMs: a timed SIGKILL from here; hookEnv: the engine's own step hooks (src/patch/txn.ts)
  function runCli(args: string[], killAfterMs?: number, hookEnv: Record<string, string> = {}): Promise<RunResult> {
    return new Promise((resolveRun) => {
      const start = Date.now();
      const child = spawn(process.execPath, [entry, ...args], {
        env: { ...process.env, ...extraEnv, TFDOCTOR_TEST_SLOW_MS: String(SLOW_MS), NO_COLOR: '1', ...hookEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const timer = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.on('exit', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolveRun({ code, signal, ms: Date.now() - start, stdout, stderr });
      });
    });
  }

  const apply = () => ['apply', venv, ...selectArgs];
  const revert = () => ['revert', venv];
  const hashOf = (abs: string) => (existsSync(abs) ? sha256(readFileSync(abs)) : null);

  function assertNoHalfWrittenFile(when: string) {
    for (const t of targets) {
      const h = hashOf(t.abs);
      expect(t.allowed.has(h), `${when}: ${t.abs} holds sha256 ${h}, neither original nor a patched version`).toBe(true);
    }
  }
  function assertAll(which: 'original' | 'final', when: string) {
    for (const t of targets) expect(hashOf(t.abs), `${when}: ${t.abs} should be ${which}`).toBe(t[which]);
    // no temp file of an interrupted write may outlive the run that completes it
    for (const dir of new Set(targets.map((t) => dirname(t.abs)))) {
      expect(readdirSync(dir).filter((n) => n.includes('.tfdoctor-')), `${when}: temp files left in ${dir}`).toEqual([]);
    }
  }

  beforeAll(async () => {
    const seedEnv = ensureVenv('seed') as { dir: string };
    work = mkdtempSync(join(tmpdir(), 'tfdoctor-fault-'));
    const build = join(work, 'build');
    // type errors elsewhere in a work-in-progress tree do not stop tsc from emitting; the entry must exist
    spawnSync(tsc, ['--outDir', build, '--rootDir', root, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
      '--skipLibCheck', '--types', 'node', join(root, 'test', 'patch', 'fault-cli.ts')], { stdio: 'ignore' });
    entry = join(build, 'test', 'patch', 'fault-cli.js');
    expect(existsSync(entry), `tsc did not emit ${entry}`).toBe(true);
    // named tfdoctor: src/util/package-root.ts finds the data folders from it
    writeFileSync(join(build, 'package.json'), '{"name":"tfdoctor","version":"0.0.0-fault","type":"module"}\n');
    for (const dir of ['node_modules', 'matrix', 'patches', 'python']) symlinkSync(join(root, dir), join(build, dir));
    venv = join(work, 'venv');
    // the whole venv, so its interpreter (pyvenv.cfg) and prefix are the copy's own
    execFileSync('cp', ['-a', seedEnv.dir, venv]);
    let snapshot = await probeEnvironment(await resolveTarget({ venv }));
    site = snapshot.sitePackages[0]!;
    // F2's real patches when they apply to the seed; else the fixture catalogue on the demo package
    let catalogue = await loadCatalogue(defaultCatalogueRoot()).catch(() => null);
    let plans = catalogue ? await planPatches(catalogue, snapshot) : [];
    let applicable = plans.filter((p) => p.decision === 'apply');
    if (catalogue && applicable.length) {
      catalogueUsed = `patches/ (${applicable.map((p) => p.id).join(', ')})`;
      selectArgs = applicable.map((p) => p.id);
    } else {
      installDemoPackage(site);
      extraEnv = { TFDOCTOR_PATCHES_DIR: fixtureCatalogue };
      catalogue = await loadCatalogue(fixtureCatalogue);
      snapshot = await probeEnvironment(await resolveTarget({ venv }));
      plans = await planPatches(catalogue, snapshot);
      applicable = plans.filter((p) => p.decision === 'apply');
      catalogueUsed = `fixture catalogue (${applicable.map((p) => p.id).join(', ')}) on the demo package installed into the copy`;
    }
    const byAbs = new Map<string, Target>();
    for (const p of applicable) {
      for (const f of p.files) {
        const t = byAbs.get(f.absPath) ?? { abs: f.absPath, original: f.currentSha256, final: f.currentSha256, allowed: new Set([f.currentSha256]) };
        t.final = f.expectedPatched;
        t.allowed.add(f.expectedPatched);
        byAbs.set(f.absPath, t);
      }
    }
    targets = [...byAbs.values()];
    pristine = treeHash(site);
    process.stderr.write(`fault test: seed ${seed}, ${KILLS} kills, ${targets.length} target files, catalogue: ${catalogueUsed}\n`);
  });

  afterAll(() => {
    // TFDOCTOR_FAULT_KEEP=1 keeps the copy (and its journal) to inspect a failure
    if (work && !process.env.TFDOCTOR_FAULT_KEEP) rmSync(work, { recursive: true, force: true });
  });

  it(`survives ${KILLS} SIGKILLs at random points; reruns and reverts always end consistent`, async () => {
    expect(targets.length).toBeGreaterThan(0);
    // calibration: how long a plan-only run and a full apply take on this machine
    const planOnly = await runCli(['plan', venv, ...selectArgs]);
    expect(planOnly.code, planOnly.stderr).toBe(0);
    const full = await runCli(apply(), undefined, { TFDOCTOR_TEST_STEP_TRACE: '1' });
    expect(full.code, full.stderr).toBe(0);
    assertAll('final', 'calibration apply');
    // every step of the write protocol lies between the journal's 'begin' and its commit
    const protocolSteps = full.stderr.split('\n').filter((l) => l.startsWith('tfdoctor-test-step ')).length;
    expect(protocolSteps).toBeGreaterThanOrEqual(3 * targets.length + 1);
    const fullRevert = await runCli(revert());
    expect(fullRevert.code, fullRevert.stderr).toBe(0);
    assertAll('original', 'calibration revert');

    const stateDir = join(venv, '.tfdoctor', 'patches');
    const outcomes = { exitedBeforeKill: 0, killedBeforeAnyWrite: 0, killedMidTransaction: 0, killedAfterCommit: 0, filesWrittenAtKill: [] as number[] };
    let stepKills = 0;
    let revertKills = 0;
    // kill anywhere from late in the probe to the end of a full run
    const from = planOnly.ms * 0.6;
    const span = Math.max((full.ms - from) * 0.9, 50);
    for (let i = 0; i < KILLS; i++) {
      // every fourth kill (from the second on) comes from the engine itself at a random protocol step:
      // timed kills alone may all miss the protocol on a loaded machine, where start-up dominates
      const atStep = i % 4 === 1 ? 1 + Math.floor(rnd() * protocolSteps) : null;
      const delay = Math.round(from + rnd() * span);
      const killed = atStep === null ? await runCli(apply(), delay) : await runCli(apply(), undefined, { TFDOCTOR_TEST_KILL_AT_STEP: String(atStep) });
      const label = atStep === null ? `kill ${i + 1} (apply, after ${delay} ms)` : `kill ${i + 1} (apply, at protocol step ${atStep} of ${protocolSteps})`;
      assertNoHalfWrittenFile(label);
      const journal = foldJournal(await readJournal(stateDir));
      const patchedNow = targets.filter((t) => hashOf(t.abs) !== t.original).length;
      if (atStep !== null) {
        stepKills++;
        expect(killed.signal, `${label}: ${killed.stderr}`).toBe('SIGKILL');
        expect(journal.incomplete, `${label}: the journal should show the interrupted transaction`).toBeTruthy();
      }
      if (killed.signal !== 'SIGKILL') outcomes.exitedBeforeKill++;
      else if (journal.incomplete) { outcomes.killedMidTransaction++; outcomes.filesWrittenAtKill.push(patchedNow); }
      else if (journal.applied.size > 0) outcomes.killedAfterCommit++;
      else outcomes.killedBeforeAnyWrite++;

      if (i % 2 === 0) {
        const rerun = await runCli(apply());
        expect(rerun.code, `${label}, rerun: ${rerun.stderr}`).toBe(0);
        assertAll('final', `${label}, rerun`);
        // and a killed revert, finished by a second revert
        const revertDelay = Math.round(from + rnd() * span);
        const revertStep = 1 + Math.floor(rnd() * protocolSteps);
        // alternately a timed kill and one at a protocol step of the revert (which may have fewer steps)
        const killedRevert = i % 4 === 0 ? await runCli(revert(), revertDelay) : await runCli(revert(), undefined, { TFDOCTOR_TEST_KILL_AT_STEP: String(revertStep) });
        if (killedRevert.signal === 'SIGKILL') revertKills++;
        assertNoHalfWrittenFile(i % 4 === 0 ? `${label}, killed revert after ${revertDelay} ms` : `${label}, revert killed at step ${revertStep}`);
      }
      const reverted = await runCli(revert());
      expect(reverted.code, `${label}, revert: ${reverted.stderr}`).toBe(0);
      assertAll('original', `${label}, revert`);
    }
    process.stderr.write(`fault test outcomes (seed ${seed}): ${JSON.stringify({ ...outcomes, stepKills, revertKills, calibration: { planOnlyMs: planOnly.ms, fullApplyMs: full.ms, protocolSteps } })}\n`);
    // the kills must have hit the write protocol itself, not only its edges
    expect(outcomes.killedMidTransaction).toBeGreaterThanOrEqual(Math.max(stepKills, 1));
    expect(treeHash(site)).toBe(pristine);
  });
});
