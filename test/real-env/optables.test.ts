// The committed op tables are what the generator really produces: regenerate them with the cached
// `optables` venv (exactly the pinned onnx) into a temp dir and compare, ignoring the date.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error untyped ESM helper
import { ensureVenv, envSpecDir } from '../../scripts/venvs.mjs';
// @ts-expect-error untyped ESM helper
import { generateTables, HANDLERS_FILE, ONNX_PIN, SCHEMAS_FILE } from '../../scripts/gen-optables.mjs';
import { generatedDir } from '../../src/optables/tables.js';

let out: string;
let seconds: number;

beforeAll(() => {
  const env = ensureVenv('optables');
  process.stderr.write(`[optables] env ${env.built ? `built in ${env.seconds.toFixed(1)} s` : 'cached'}\n`);
  out = mkdtempSync(join(tmpdir(), 'tfdoctor-optables-test-'));
  const started = Date.now();
  generateTables({ out, python: env.python, date: '2000-01-01' });
  seconds = (Date.now() - started) / 1000;
  process.stderr.write(`[optables] regenerated in ${seconds.toFixed(1)} s\n`);
});

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

const withoutDate = (text: string) => {
  const { generated: _date, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return rest;
};

describe('gen-optables.mjs', () => {
  it('the env spec pins exactly the generator\'s onnx', () => {
    const spec = readFileSync(join(envSpecDir, 'optables.txt'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(spec).toEqual([`onnx==${ONNX_PIN}`]);
  });

  it.each([SCHEMAS_FILE, HANDLERS_FILE])('regenerates %s identically (bar the date)', (file: string) => {
    const fresh = readFileSync(join(out, file), 'utf8');
    const committed = readFileSync(join(generatedDir, file), 'utf8');
    expect(JSON.parse(fresh).generated).toBe('2000-01-01');
    expect(withoutDate(fresh)).toEqual(withoutDate(committed));
    // byte-identical once the date line is the same: the output is deterministic
    expect(fresh.replace(/"generated": "[^"]*"/, '')).toBe(committed.replace(/"generated": "[^"]*"/, ''));
  });
});
