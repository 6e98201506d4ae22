import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import type { EnvSnapshot } from '../../src/env/types.js';
import { evaluate } from '../../src/diagnose/evaluate.js';
import type { Diagnosis } from '../../src/diagnose/types.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { renderHuman } from '../../src/report/human.js';
import { checkDocument, CHECK_SCHEMA_VERSION } from '../../src/report/json.js';

const ANSI = /\u001b\[/;
let snap: EnvSnapshot;
let diagnosis: Diagnosis;
let tracked: string[];
beforeAll(async () => {
  const matrix = await loadMatrix();
  tracked = matrix.families.flatMap((f) => f.distributions);
  snap = await snapshotFromRequirements(new URL('../../examples/seed-env.txt', import.meta.url).pathname, {
    pythonVersion: '3.10', platform: { system: 'linux', machine: 'x86_64' },
  });
  diagnosis = evaluate(matrix, snap, {});
});

describe('human report', () => {
  it('routes come first, then findings by severity, each with its fix', () => {
    const text = renderHuman(diagnosis, snap, { verbose: false, color: new Chalk({ level: 0 }) });
    const routes = text.indexOf('Routes');
    const errors = text.indexOf('Errors (');
    const warnings = text.indexOf('Warnings (');
    expect(routes).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(routes);
    expect(warnings).toBeGreaterThan(errors);
    expect(text).toContain('fix (patch onnx-tf-onnx-mapping): tfdoctor fix --apply-patches');
    expect(text).toContain('fix (pin): pip install "onnx==1.18.0"');
    expect(text).not.toMatch(ANSI);
  });

  it('info findings only with -v', () => {
    const quiet = renderHuman(diagnosis, snap, { verbose: false, color: new Chalk({ level: 0 }) });
    const loud = renderHuman(diagnosis, snap, { verbose: true, color: new Chalk({ level: 0 }) });
    expect(quiet).toMatch(/info finding\(s\) \(ONNX2TF_NOT_INSTALLED.*-v shows them/);
    expect(loud).toContain('Info (');
  });

  it('colour only when the chalk instance has a level', () => {
    expect(renderHuman(diagnosis, snap, { verbose: false, color: new Chalk({ level: 1 }) })).toMatch(ANSI);
  });

  it('disagreements are printed loudly, before findings', () => {
    const withDisagreement: Diagnosis = { ...diagnosis, disagreements: [{ kind: 'unpredicted-failure', module: 'torch', actual: 'import torch: OSError: x' }] };
    const text = renderHuman(withDisagreement, snap, { verbose: false, color: new Chalk({ level: 0 }) });
    expect(text).toMatch(/1 DISAGREEMENT\(S\) between the matrix and real imports/);
    expect(text.indexOf('DISAGREEMENT')).toBeLessThan(text.indexOf('Errors ('));
  });
});

describe('JSON document', () => {
  it('has the documented top-level shape', () => {
    const doc = JSON.parse(JSON.stringify(checkDocument(diagnosis, snap, { tool: { name: 'tfdoctor', version: '0' }, matrixDir: 'matrix', tracked, deep: false })));
    expect(doc.schemaVersion).toBe(CHECK_SCHEMA_VERSION);
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tool', 'matrix', 'environment', 'routes', 'findings', 'disagreements', 'deep', 'summary']);
    expect(doc.environment).toMatchObject({ kind: 'requirements', planned: true, python: { version: '3.10' } });
    expect(doc.routes.map((r: { id: string }) => r.id)).toEqual(['onnx-tf', 'onnx2tf', 'litert-torch', 'native']);
    for (const f of doc.findings) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['code', 'severity', 'title', 'message', 'packages', 'evidence', 'fixes']));
      expect(['error', 'warning', 'info']).toContain(f.severity);
    }
    expect(doc.summary.error).toBe(doc.findings.filter((f: { severity: string }) => f.severity === 'error').length);
    expect(doc.environment.packages).toContainEqual({ name: 'ai-edge-tensorflow', version: '2.21.0.dev20250818' });
  });
});
