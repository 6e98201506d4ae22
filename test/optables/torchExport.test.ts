import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { satisfiesExcludingPre as satisfies } from '../../src/matrix/pep440.js';
import { describe, expect, it } from 'vitest';
import { torchExportOps } from '../../src/optables/tables.js';
import { packageRoot } from '../../src/util/package-root.js';
import { parseTorchExport, torchExportRows } from '../../src/optables/torchExport.js';
import { UserError } from '../../src/util/errors.js';

describe('matrix/torch-export.yaml', () => {
  const rows = torchExportRows();

  it('every row points at a real export of its exporter and opset', () => {
    const exportsTable = torchExportOps().exports;
    for (const row of rows) {
      const e = exportsTable[row.opsFrom];
      expect(e, `line ${row.line}`).toBeDefined();
      expect(e!.exporter, `line ${row.line}`).toBe(row.exporter);
      expect(e!.opset, `line ${row.line}`).toBe(row.opset);
    }
  });

  it('rows do not overlap', () => {
    const probes = ['1.12.0', '1.13.1', '2.0.1', '2.1.2', '2.7.1', '2.8.0', '2.9.1', '2.12.0', '2.13.0', '2.13.1'];
    for (const v of probes) expect(rows.filter((r) => satisfies(v, r.torch)).length, v).toBe(1);
  });

  it('a proven row names a test file that exists', () => {
    const proven = rows.filter((r) => r.provenBy);
    expect(proven.map((r) => r.torch)).toEqual(['>=2.8,<2.9', '>=2.13,<2.14']);
    for (const r of proven) expect(existsSync(join(packageRoot(), r.provenBy!)), r.provenBy).toBe(true);
  });
});

describe('parseTorchExport rejects a malformed file with file:line', () => {
  const row = (extra: string) => `schema: 1\nrows:\n  - torch: ">=2.8,<2.9"\n    exporter: torchscript\n    opset: 18\n    ops_from: torchscript-18\n    evidence: x\n${extra}`;
  it.each([
    [row('    unproven: true\n    colour: red\n'), /x\.yaml:9: unknown key `colour`/],
    [row(''), /x\.yaml:3: a row needs exactly one of `proven_by` and `unproven: true`/],
    [row('    unproven: true\n').replace('>=2.8,<2.9', 'two-point-eight'), /x\.yaml:3: `torch: two-point-eight` is not a PEP 440 specifier/],
    [row('    unproven: true\n').replace('torchscript\n', 'onnxruntime\n'), /x\.yaml:3: `exporter` must be dynamo or torchscript/],
    [row('    unproven: true\n').replace('opset: 18', 'opset: eighteen'), /x\.yaml:3: `opset` must be a positive integer/],
    ['schema: 2\nrows: []\n', /x\.yaml:1: `schema: 1` expected/],
    ['schema: 1\nrows: [\n', /x\.yaml:\d+: /],
  ])('case %#', (text, message) => {
    expect(() => parseTorchExport(text, 'x.yaml')).toThrow(UserError);
    expect(() => parseTorchExport(text, 'x.yaml')).toThrow(message);
  });

  it('accepts a well-formed row', () => {
    expect(parseTorchExport(row('    unproven: true\n'), 'x.yaml')).toEqual([
      { torch: '>=2.8,<2.9', exporter: 'torchscript', opset: 18, opsFrom: 'torchscript-18', evidence: 'x', unproven: true, line: 3 },
    ]);
  });
});
