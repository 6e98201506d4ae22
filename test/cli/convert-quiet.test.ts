// `convert -q` silences progress, not warnings: --calibration random's warning is about the result's validity,
// so it reaches stderr with -q too (and with --json, whose stdout is the document). Run as the built binary on a
// real torch 2.13 export (test/fixtures/model).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist/tfdoctor.mjs');
const model = join(root, 'test/fixtures/model/mean-head.opset12.onnx');
const dir = mkdtempSync(join(tmpdir(), 'tfd-convert-quiet-'));

function convert(args: string[]) {
  return execa('node', [bin, 'convert', model, '-o', join(dir, 'm.tflite'), ...args], { reject: false, cwd: root, stdin: 'ignore', env: { NO_COLOR: '1' }, timeout: 120_000 });
}

const WARNING = /^convert: WARNING: --calibration random: ranges measured on random normal inputs/;

describe('convert -q', () => {
  it('keeps the random-calibration warning on stderr, and only it', async () => {
    const r = await convert(['--quantize', 'int8', '--calibration', 'random', '-q']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(WARNING);
  });

  it('with --json too: stdout stays one JSON document', async () => {
    const r = await convert(['--quantize', 'int8', '--calibration', 'random', '-q', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).quantization.mode).toBe('int8');
    expect(r.stderr.trim()).toMatch(WARNING);
  });

  it('says nothing on stderr when nothing is wrong; without -q the progress shows', async () => {
    const quiet = await convert(['--quantize', 'float16', '-q']);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    const loud = await convert(['--quantize', 'float16']);
    expect(loud.stderr).toMatch(/^convert: /m);
    expect(loud.stderr).not.toMatch(/WARNING/);
  });
});
