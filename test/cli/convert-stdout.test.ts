// convert writes its report to file descriptor 1 itself (src/cli/stdout.ts), without building process.stdout:
// the report arrives whole, and a reader that stops early ends it quietly (exit 0, no stack trace), as the
// stream's EPIPE handler (src/cli/main.ts) does for the other commands. Run as the built binary on a real
// torch 2.13 export (test/fixtures/model).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist/tfdoctor.cjs');
const model = join(root, 'test/fixtures/model/mean-head.opset12.onnx');
const dir = mkdtempSync(join(tmpdir(), 'tfd-convert-stdout-'));

describe('convert output', () => {
  it('is one whole JSON document on a pipe, and the summary lines to a file', async () => {
    const out = join(dir, 'a.tflite');
    const r = await execa('node', [bin, 'convert', model, '-o', out, '-q', '--json'], { reject: false, stdin: 'ignore', timeout: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { output: string; bytes: number };
    expect(doc.output).toBe(out);
    expect(statSync(out).size).toBe(doc.bytes);
    const text = join(dir, 'summary.txt');
    const s = await execa('node', [bin, 'convert', model, '-o', out, '-q'], { reject: false, stdin: 'ignore', stdout: { file: text }, timeout: 120_000 });
    expect(s.exitCode, s.stderr).toBe(0);
    expect(readFileSync(text, 'utf8')).toMatch(new RegExp(`^wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ TFLite ops from \\d+ ONNX nodes`));
  });

  it('a reader that closes its end early: exit 0, the file written, no stack trace', async () => {
    const out = join(dir, 'b.tflite');
    const child = spawn(process.execPath, [bin, 'convert', model, '-o', out, '-q', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(statSync(out).size).toBeGreaterThan(0);
  }, 120_000);
});
