// The committed generated tables are well-formed and consistent with each other.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error untyped ESM helper
import { stableJson } from '../../scripts/gen-optables.mjs';
import { generatedDir, onnxSchemas, onnxTfHandlers, torchExportOps } from '../../src/optables/tables.js';

const schemas = onnxSchemas();
const handlers = onnxTfHandlers();
const exportsTable = torchExportOps();

// onnx-tf 1.10.0 handles these op versions, but onnx's own history no longer has them: they are the
// experimental ops/versions onnx dropped from its registry (ConstantFill, ImageScaler and the
// experimental MeanVarianceNormalization-1 / ThresholdedRelu-1).
const NOT_IN_ONNX_HISTORY = ['ConstantFill-1', 'ImageScaler-1', 'MeanVarianceNormalization-1', 'ThresholdedRelu-1'];

const isSortedUnique = (xs: number[]) => xs.every((x, i) => Number.isInteger(x) && x > 0 && (i === 0 || x > xs[i - 1]!));

describe('generated headers', () => {
  it.each([
    ['onnx-op-schemas.json', schemas, 'onnx'],
    ['onnx-tf-1.10.0-handlers.json', handlers, 'onnx-tf'],
    ['torch-export-ops.json', exportsTable, 'torch'],
  ] as const)('%s names its generator, source package and date', (_file, table, pkg) => {
    expect(table.generator).toMatch(/^scripts\/gen-optables\.mjs/);
    expect(table.regenerate).toMatch(/^node scripts\/gen-optables\.mjs/);
    expect(table.generated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(table.source.package).toBe(pkg);
    expect(table.source.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(['onnx-op-schemas.json', 'onnx-tf-1.10.0-handlers.json', 'torch-export-ops.json'])(
    '%s is byte-for-byte in the generator\'s canonical form (not edited by hand)', (file) => {
      const text = readFileSync(join(generatedDir, file), 'utf8');
      expect(stableJson(JSON.parse(text))).toBe(text);
    },
  );

  it('pins onnx 1.20.1 and onnx-tf 1.10.0', () => {
    expect(schemas.source.version).toBe('1.20.1');
    expect(handlers.source.version).toBe('1.10.0');
    expect(handlers.source.wheel_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('onnx-op-schemas.json', () => {
  const ops = Object.entries(schemas.ops);

  it('has every default-domain op with sorted, unique since_versions within max_opset', () => {
    expect(ops.length).toBeGreaterThan(150);
    for (const [op, h] of ops) {
      expect(isSortedUnique(h.since_versions), op).toBe(true);
      expect(h.since_versions.at(-1)!, op).toBeLessThanOrEqual(schemas.max_opset);
      if (h.deprecated) expect(h.deprecated_since, op).toBeDefined();
      if (h.deprecated_since !== undefined) expect(h.since_versions, op).toContain(h.deprecated_since);
    }
  });

  it('max_opset is the pinned release\'s own opset in its version table', () => {
    const own = schemas.version_table.find((r) => r.onnx === schemas.source.version);
    expect(own?.ai_onnx_opset).toBe(schemas.max_opset);
    expect(Math.max(...ops.flatMap(([, h]) => h.since_versions))).toBe(schemas.max_opset);
  });

  it('keys are sorted (deterministic output)', () => {
    const keys = Object.keys(schemas.ops);
    expect(keys).toEqual([...keys].sort());
  });
});

describe('onnx-tf-1.10.0-handlers.json', () => {
  const entries = Object.entries(handlers.handlers);

  it('has 166 default-domain handlers, each with sorted versions and its source file', () => {
    expect(entries).toHaveLength(166);
    for (const [op, h] of entries) {
      expect(h.domain, op).toBe('');
      expect(isSortedUnique(h.versions) && h.versions.length > 0, op).toBe(true);
      expect(h.file, op).toMatch(/^[a-z0-9_]+\.py$/);
    }
  });

  it('agrees with onnx_tf/opset_version.py in the same wheel', () => {
    expect(handlers.opset_version_py.mismatches).toEqual([]);
    expect(handlers.opset_version_py.ops_with_versions).toBe(entries.length);
  });

  it('every handler version is a real since_version in onnx\'s history (bar the dropped experimental ones)', () => {
    const missing: string[] = [];
    for (const [op, h] of entries) {
      for (const v of h.versions) if (!schemas.ops[op]?.since_versions.includes(v)) missing.push(`${op}-${v}`);
    }
    expect(missing.sort()).toEqual(NOT_IN_ONNX_HISTORY);
  });
});

describe('torch-export-ops.json', () => {
  it('records real exports with their exporter, opset and default-domain op types', () => {
    const ids = Object.keys(exportsTable.exports);
    expect(ids).toContain('default');
    for (const [id, e] of Object.entries(exportsTable.exports)) {
      expect(['dynamo', 'torchscript'], id).toContain(e.exporter);
      expect(e.ops.length, id).toBeGreaterThan(3);
      for (const op of e.ops) expect(schemas.ops[op], `${id}: ${op}`).toBeDefined();
      const requested = e.kwargs.opset_version;
      if (typeof requested === 'number') expect(e.opset, id).toBe(requested);
      if (e.kwargs.dynamo === false) expect(e.exporter, id).toBe('torchscript');
    }
  });
});
