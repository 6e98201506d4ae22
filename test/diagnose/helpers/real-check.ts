// Shared by test/real-env/check-*.test.ts: run check's core (probe -> rules -> optional deep probe)
// in-process on a cached real venv, and run real Python in it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
// @ts-expect-error plain ESM helper without types
import { ensureVenv } from '../../../scripts/venvs.mjs';
import { resolveTarget } from '../../../src/env/discover.js';
import { probeEnvironment } from '../../../src/env/probe.js';
import { deepProbe, ROUTE_MODULES, type ImportOutcome } from '../../../src/env/deep-probe.js';
import type { EnvSnapshot } from '../../../src/env/types.js';
import { evaluate } from '../../../src/diagnose/evaluate.js';
import { loadExportGapPredictor } from '../../../src/diagnose/predictor.js';
import type { Diagnosis } from '../../../src/diagnose/types.js';
import { loadMatrix } from '../../../src/matrix/load.js';

export interface RealCheck {
  venv: { dir: string; python: string };
  snapshot: EnvSnapshot;
  static: Diagnosis;
  deep?: Diagnosis;
  imports?: Record<string, ImportOutcome>;
}

export interface RealCheckOptions {
  /** run the deep probe on these modules ('all' = what `check --deep` imports) */
  deep?: 'all' | string[];
  /** import packages made unimportable (as if not installed), with the matching distributions dropped from the snapshot */
  hide?: { imports: string[]; distributions: string[] };
}

/** A sitecustomize that makes the named top-level packages raise ModuleNotFoundError, as if absent. */
export function hidingEnv(imports: string[]): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-hide-'));
  writeFileSync(join(dir, 'sitecustomize.py'), [
    'import os, sys',
    "_HIDDEN = set(filter(None, os.environ.get('TFDOCTOR_TEST_HIDE', '').split(',')))",
    'class _Hide:',
    '    def find_spec(self, name, path=None, target=None):',
    "        if name.split('.')[0] in _HIDDEN:",
    "            raise ModuleNotFoundError(f\"No module named '{name}'\", name=name)",
    '        return None',
    'sys.meta_path.insert(0, _Hide())',
    '',
  ].join('\n'));
  return { PYTHONPATH: dir, TFDOCTOR_TEST_HIDE: imports.join(',') };
}

export async function realCheck(envName: string, opts: RealCheckOptions = {}): Promise<RealCheck> {
  const venv = ensureVenv(envName) as { dir: string; python: string };
  const matrix = await loadMatrix();
  const predictExportGaps = await loadExportGapPredictor();
  const snapshot = await probeEnvironment(await resolveTarget({ venv: venv.dir }));
  for (const d of opts.hide?.distributions ?? []) delete snapshot.distributions[d];
  const result: RealCheck = { venv, snapshot, static: evaluate(matrix, snapshot, { predictExportGaps }) };
  if (opts.deep) {
    const modules = opts.deep === 'all'
      ? [...new Set<string>([...ROUTE_MODULES, ...matrix.rules.flatMap((r) => r.observe.map((o) => o.module))])]
      : opts.deep;
    const env = opts.hide ? hidingEnv(opts.hide.imports) : undefined;
    result.imports = await deepProbe(venv.python, modules, { concurrency: 2, ...(env ? { env } : {}) });
    result.deep = evaluate(matrix, snapshot, { predictExportGaps, deep: result.imports });
  }
  return result;
}

export function codes(d: Diagnosis): string[] {
  return d.findings.map((f) => f.code);
}

export function finding(d: Diagnosis, code: string) {
  return d.findings.find((f) => f.code === code);
}

/** Runs real Python in the venv; never throws on a non-zero exit. */
export async function runPython(python: string, args: string[], env: Record<string, string> = {}) {
  const r = await execa(python, args, { reject: false, env: { PYTHONIOENCODING: 'utf-8', ...env }, stdin: 'ignore', timeout: 600_000 });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
