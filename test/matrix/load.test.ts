import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMatrix, parseMatrixFile, defaultMatrixDir, MATRIX_FILES } from '../../src/matrix/load.js';
import { ROUTE_IDS } from '../../src/matrix/types.js';
import { UserError } from '../../src/util/errors.js';

const RULE = (extra: string) => `rules:
  - code: SOME_RULE
    severity: error
    title: t
    message: m
    when: { installed: onnx-tf }
    evidence:
      - { kind: source, ref: r, note: n }
    fixes:
      - { kind: pin, install: { x: "" } }
${extra}`;

function errorOf(text: string): string {
  try {
    parseMatrixFile('matrix/rules.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected the matrix file to be rejected');
}

describe('the shipped matrix', () => {
  it('loads, with every route, unique codes and proof or unproven on every rule', async () => {
    const m = await loadMatrix(defaultMatrixDir());
    expect(m.routes.map((r) => r.id)).toEqual([...ROUTE_IDS]);
    expect(new Set(m.rules.map((r) => r.code)).size).toBe(m.rules.length);
    for (const r of m.rules) expect(!!r.provenBy !== !!r.unproven).toBe(true);
    expect(m.rules.length).toBeGreaterThanOrEqual(20);
  });

  it('every proven_by names a real-env test that exists', async () => {
    const m = await loadMatrix(defaultMatrixDir());
    const root = new URL('../../', import.meta.url).pathname;
    for (const r of m.rules.filter((x) => x.provenBy)) {
      const [file, name] = r.provenBy!.split('#') as [string, string];
      expect(existsSync(root + file), `${r.code}: ${file}`).toBe(true);
      expect(readFileSync(root + file, 'utf8'), `${r.code}: test "${name}" in ${file}`).toContain(`it('${name}'`);
    }
  });

  it('reads only its own files', () => {
    expect([...MATRIX_FILES]).toEqual(['packages.yaml', 'routes.yaml', 'rules.yaml']);
  });
});

describe('malformed matrix files fail with file:line and what is wrong', () => {
  it.each([
    ['missing proof', RULE(''), /^matrix\/rules\.yaml:2: rule SOME_RULE needs exactly one of proven_by or unproven: true$/],
    ['unknown key', RULE('    unproven: true\n    colour: red'), /^matrix\/rules\.yaml:12: unknown key "colour" in rule/],
    ['bad severity', RULE('    unproven: true').replace('severity: error', 'severity: fatal'), /^matrix\/rules\.yaml:3: severity "fatal" is not one of error, warning, info$/],
    ['bad specifier', RULE('    unproven: true').replace('{ installed: onnx-tf }', '{ version: { package: onnx, spec: "banana" } }'), /^matrix\/rules\.yaml:6: spec "banana" is not a PEP 440 specifier$/],
    ['two keys in a condition', RULE('    unproven: true').replace('{ installed: onnx-tf }', '{ installed: onnx-tf, missing: onnx }'), /^matrix\/rules\.yaml:6: a condition has exactly one key/],
    ['unknown condition', RULE('    unproven: true').replace('{ installed: onnx-tf }', '{ sunny: true }'), /^matrix\/rules\.yaml:6: unknown key "sunny" in condition/],
    ['code not SCREAMING_SNAKE', RULE('    unproven: true').replace('SOME_RULE', 'someRule'), /^matrix\/rules\.yaml:2: code "someRule" does not match/],
    ['patch fix without id', RULE('    unproven: true').replace('{ kind: pin, install: { x: "" } }', '{ kind: patch, command: tfdoctor fix --apply-patches }'), /^matrix\/rules\.yaml:10: a patch fix needs "patch: <patch id>"$/],
    ['a pin fix as a command string', RULE('    unproven: true').replace('{ kind: pin, install: { x: "" } }', '{ kind: pin, command: pip install x }'), /^matrix\/rules\.yaml:10: a pin fix is data: write install \/ remove \/ separate_env, not a command$/],
    ['a pin fix with nothing in it', RULE('    unproven: true').replace('{ kind: pin, install: { x: "" } }', '{ kind: pin, note: n }'), /^matrix\/rules\.yaml:10: a pin fix needs install, remove or separate_env$/],
    ['a pin fix with a bad specifier', RULE('    unproven: true').replace('{ kind: pin, install: { x: "" } }', '{ kind: pin, install: { x: "=>1" } }'), /^matrix\/rules\.yaml:10: install x: "=>1" is not a PEP 440 specifier$/],
    ['install on a route fix', RULE('    unproven: true').replace('{ kind: pin, install: { x: "" } }', '{ kind: route, route: native, command: c, install: { x: "" } }'), /^matrix\/rules\.yaml:10: install belongs to a pin fix$/],
    ['bad evidence kind', RULE('    unproven: true').replace('kind: source', 'kind: rumour'), /^matrix\/rules\.yaml:8: evidence kind "rumour" is not one of/],
    ['proven_by outside real-env', RULE('    proven_by: test/unit.test.ts#x'), /^matrix\/rules\.yaml:11: proven_by "test\/unit\.test\.ts#x" does not match/],
    ['blocks an unknown route', RULE('    unproven: true\n    blocks: [tflite-magic]'), /^matrix\/rules\.yaml:12: blocked route "tflite-magic" is not one of onnx-tf, onnx2tf, litert-torch, native$/],
    ['broken YAML (reported where the parser notices)', 'rules:\n  - code: X\n    title: "unterminated\n', /^matrix\/rules\.yaml:4: invalid YAML: Missing closing "quote$/],
    ['duplicate key', 'rules: []\nrules: []\n', /^matrix\/rules\.yaml:2: invalid YAML/],
    ['not a mapping', '- a\n- b\n', /^matrix\/rules\.yaml:1: expected a mapping at the top/],
  ])('%s', (_name, text, expected) => {
    expect(errorOf(text)).toMatch(expected);
  });

  it('a malformed rule in a matrix folder fails loadMatrix with its file and line', async () => {
    await expect(loadMatrix(new URL('./fixtures/bad-rule', import.meta.url).pathname)).rejects.toThrow(
      /fixtures\/bad-rule\/rules\.yaml:13: severity "fatal" is not one of error, warning, info$/,
    );
  });

  it('a folder without the matrix files is a one-line user error', async () => {
    await expect(loadMatrix('/nonexistent-matrix-dir')).rejects.toThrow(/cannot read .*packages\.yaml/);
  });

  it('aliases (&anchor / *alias) resolve', () => {
    const part = parseMatrixFile('m.yaml', `python_support:
  - package: tensorflow
    versions: ">=2.16"
    python: ">=3.9"
    evidence: &ev
      - { kind: docs, ref: r, note: n }
  - package: onnx
    versions: ">=1.20"
    python: ">=3.10"
    evidence: *ev
`);
    expect(part.pythonSupport?.[1]?.evidence[0]?.ref).toBe('r');
  });
});
