// `tfdoctor lock` for every route x Python 3.9-3.13 against the real package index, refereed by real
// pip (its verdicts cached on disk by pins, so reruns are quick): each target either writes a plan
// whose closure is pip's own resolution and which `check` finds clean for the route (but for the
// codes the plan's patches clear), or exits 1 naming the blocking facts and offering an alternative.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { satisfies } from '../../src/matrix/pep440.js';

const run = promisify(execFile);
const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'tfdoctor-lock-test-'));

async function tfdoctor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [cli, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 1_800_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

type Expect =
  /** pins: a version (==) or a PEP 440 specifier */
  | { solved: true; pins?: Record<string, string> }
  | { solved: false; blockedBy: string; alternativeRoute?: string };

// What the index says today (2026-11-30), read from wheel tags and METADATA; the facts behind each are in
// matrix/packages.yaml and the plan/explanation the test prints.
const targets: { route: string; python: string; with?: string[]; noPatches?: boolean; expect: Expect }[] = [
  { route: 'onnx-tf', python: '3.9', expect: { solved: true } },
  { route: 'onnx-tf', python: '3.10', expect: { solved: true } },
  { route: 'onnx-tf', python: '3.11', with: ['torch==2.13.0'], expect: { solved: true, pins: { 'onnx-tf': '1.10.0', 'tensorflow-addons': '0.23.0' } } },
  // the coherent older stack: no patch needed, so no Keras 3 and an onnx that still has onnx.mapping
  { route: 'onnx-tf', python: '3.11', noPatches: true, expect: { solved: true, pins: { tensorflow: '2.15.1', 'tensorflow-addons': '0.23.0' } } },
  { route: 'onnx-tf', python: '3.12', expect: { solved: false, blockedBy: 'tensorflow-addons', alternativeRoute: 'onnx2tf' } },
  { route: 'onnx-tf', python: '3.13', expect: { solved: false, blockedBy: 'tensorflow-addons', alternativeRoute: 'onnx2tf' } },
  { route: 'onnx2tf', python: '3.9', expect: { solved: true } },
  { route: 'onnx2tf', python: '3.10', expect: { solved: true } },
  { route: 'onnx2tf', python: '3.11', expect: { solved: true, pins: { onnx2tf: '1.29.24', tensorflow: '2.19.0' } } },
  { route: 'onnx2tf', python: '3.12', expect: { solved: true } },
  { route: 'onnx2tf', python: '3.13', expect: { solved: true } },
  { route: 'litert-torch', python: '3.9', expect: { solved: false, blockedBy: 'litert-torch' } },
  { route: 'litert-torch', python: '3.10', expect: { solved: true } },
  // litert-torch still releases (0.10.0 is the newest on 2026-11-30, torch<2.15): a later release that takes torch
  // 2.13 is the solver's right answer too, so the pin is a floor; one below it would mean the solver skipped it
  { route: 'litert-torch', python: '3.11', with: ['torch==2.13.0'], expect: { solved: true, pins: { 'litert-torch': '>=0.10.0', torch: '2.13.0' } } },
  { route: 'litert-torch', python: '3.12', expect: { solved: true } },
  { route: 'litert-torch', python: '3.13', expect: { solved: true } },
];

interface LockJson {
  kind: string;
  plan?: {
    requested: string[];
    closure: { name: string; version: string; requested: boolean; via: string[] }[];
    steps: { kind: string; text: string; clears: string[] }[];
    referee: { pipVersion: string; command: string[] };
  };
  explanation?: { facts: { kind: string; pkg?: string }[]; text: string[]; alternatives: { route: string; python: string }[] };
}

describe.concurrent('tfdoctor lock, route x Python', () => {
  for (const t of targets) {
    const name = `${t.route} on Python ${t.python}${t.with ? ` with ${t.with.join(' ')}` : ''}${t.noPatches ? ' without patches' : ''}`;
    it(name, async () => {
      const file = join(out, `${t.route}-${t.python}${t.noPatches ? '-nopatch' : ''}.txt`);
      const args = ['lock', '--route', t.route, '--python', t.python, '--platform', 'linux-x86_64', '--json', '-q', '-o', file,
        ...(t.with ?? []).flatMap((w) => ['--with', w]), ...(t.noPatches ? ['--no-patches'] : [])];
      const r = await tfdoctor(args);
      const doc = JSON.parse(r.stdout || '{}') as LockJson;
      if (!t.expect.solved) {
        expect(r.code, r.stderr).toBe(1);
        expect(doc.kind).toBe('no-solution');
        const facts = doc.explanation!.facts;
        expect(facts.some((f) => f.pkg === t.expect.blockedBy), doc.explanation!.text.join('\n')).toBe(true);
        expect(doc.explanation!.alternatives.length).toBeGreaterThan(0);
        if (t.expect.alternativeRoute) expect(doc.explanation!.alternatives.map((a) => a.route)).toContain(t.expect.alternativeRoute);
        console.log(`${name}: no environment\n  ${doc.explanation!.text.join('\n  ')}`);
        return;
      }
      expect(r.code, `${r.stderr}\n${r.stdout.slice(0, 2000)}`).toBe(0);
      expect(doc.kind).toBe('solved');
      const plan = doc.plan!;
      const pinned = new Map(plan.closure.map((p) => [p.name, p.version]));
      expect(pinned.has(t.route)).toBe(true);
      // versions compare as PEP 440 does: torch==2.13.0 is met by the CPU build 2.13.0+cpu
      for (const [n, v] of Object.entries(t.expect.pins ?? {})) expect(satisfies(pinned.get(n) ?? '', /^[<>=!~]/.test(v) ? v : `==${v}`), `${n} ${pinned.get(n)}`).toBe(true);
      // every requested pin is in pip's closure at that version
      for (const line of plan.requested) {
        const m = /^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?(==.+)$/.exec(line);
        if (m) expect(satisfies(pinned.get(m[1]!.toLowerCase().replace(/[-_.]+/g, '-')) ?? '', m[2]!), `${line}: ${pinned.get(m[1]!)}`).toBe(true);
      }
      // the written file holds exactly the closure, one name==version per package
      const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith(' '));
      expect(lines.sort()).toEqual(plan.closure.map((p) => `${p.name}==${p.version}`).sort());
      // check on the written env: the route's only errors are those the plan's patches clear
      const cleared = new Set(plan.steps.flatMap((s) => (s.kind === 'patch' ? s.clears : [])));
      const check = await tfdoctor(['check', '--requirements', file, '--python-version', t.python, '--platform', 'linux-x86_64', '--json']);
      const report = JSON.parse(check.stdout) as { findings: { code: string; severity: string; blocks: string[] }[] };
      const blocking = report.findings.filter((f) => f.severity === 'error' && f.blocks.includes(t.route) && !cleared.has(f.code)
        && f.code !== 'ONNX_TF_OP_VERSION_GAP');
      expect(blocking.map((f) => f.code)).toEqual([]);
      console.log(`${name}: ${plan.closure.length} packages, pip ${plan.referee.pipVersion}; ${plan.requested.join(' ')}`
        + `${cleared.size ? `; patches clear ${[...cleared].join(', ')}` : ''}`);
    });
  }
});

describe('tfdoctor lock, bad input', () => {
  it('an unknown route, a malformed --with and a bad --python are one line and exit 2', async () => {
    for (const args of [
      ['lock', '--route', 'onnx-tfx', '--python', '3.11'],
      ['lock', '--route', 'onnx-tf', '--python', '3.11', '--with', 'torch=>2'],
      ['lock', '--route', 'onnx-tf', '--python', 'eleven'],
      ['lock', '--python', '3.11'],
    ]) {
      const r = await tfdoctor(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^tfdoctor: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('--offline with nothing cached says what is missing, exit 2', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tfdoctor-empty-cache-'));
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, 'lock', '--route', 'onnx-tf', '--python', '3.11', '--offline'],
        { env: { ...process.env, TFDOCTOR_CACHE_DIR: empty }, timeout: 120_000 },
        (err, _stdout, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr }));
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/offline/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
