// check --model and lock --model through the built CLI (node dist/tfdoctor.mjs): a file that is not ONNX is one
// line on stderr and exit 2 for both commands, before any probe or index work; a real model's verdicts reach
// the report and the JSON document.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist/tfdoctor.mjs');
const demo = join(root, 'examples/seed-env.txt');
const fixture = (name: string) => join(root, 'test/fixtures/model', name);

function tfdoctor(args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FORCE_COLOR'));
  return execa('node', [bin, ...args], { reject: false, cwd: root, env: { ...env, NO_COLOR: '1' }, extendEnv: false, stdin: 'ignore', timeout: 60_000 });
}

describe('a --model that is not ONNX', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfd-cli-model-'));
  const files: Record<string, string | Uint8Array> = {
    'readme.onnx': 'this is a README, not a model\n',
    'truncated.onnx': readFileSync(fixture('mean-head.opset18.onnx')).subarray(0, 300),
  };
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  const commands: [string, (model: string) => string[]][] = [
    ['check', (m) => ['check', '--requirements', demo, '--python-version', '3.10', '--model', m]],
    ['lock', (m) => ['lock', '--route', 'onnx-tf', '--python', '3.11', '--offline', '--model', m]],
  ];
  for (const [command, args] of commands) {
    for (const name of [...Object.keys(files), 'missing.onnx']) {
      it(`${command}: ${name} is one line, exit 2`, async () => {
        const r = await tfdoctor(args(join(dir, name)));
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(name === 'missing.onnx' ? /^tfdoctor: cannot read .*missing\.onnx: ENOENT/ : new RegExp(`^tfdoctor: ${join(dir, name)}: not a readable ONNX model`));
      });
    }
  }
});

describe('check --model', () => {
  it('blocks onnx-tf on ReduceMean-18 and names what closes it; the JSON carries the data', async () => {
    const r = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10', '--model', fixture('mean-head.opset18.onnx')]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('onnx-tf: stops at ReduceMean-18');
    expect(r.stdout).toContain('patch onnx-tf-reduce-opset18');
    expect(r.stdout).toContain('re-export at opset 17');
    const j = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10', '--json', '--model', fixture('mean-head.opset18.onnx')]);
    const doc = JSON.parse(j.stdout);
    const tf = doc.model.routes.find((x: { route: string }) => x.route === 'onnx-tf');
    expect(tf.firstGap).toMatchObject({ op: 'ReduceMean', version: 18, closedBy: { opset: 17, patches: ['onnx-tf-reduce-opset18'] } });
    expect(doc.routes.find((x: { id: string }) => x.id === 'onnx-tf').blockers).toContain('MODEL_OP_GAP');
    expect(doc.routes.find((x: { id: string }) => x.id === 'native').viable).toBe(true);
  });

  // the seed env predicts torch 2.8's default export to fail in onnx-tf (ONNX_TF_OP_VERSION_GAP); with a model the
  // model's own verdict replaces that prediction, whether the model is covered or has a gap of its own
  it('the model\'s own verdict replaces the predicted default-export gap', async () => {
    const codes = (doc: { findings: { code: string }[] }) => doc.findings.map((f) => f.code);
    const onnxTf = (doc: { routes: { id: string; blockers: string[] }[] }) => doc.routes.find((x) => x.id === 'onnx-tf')!.blockers;
    const plain = JSON.parse((await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10', '--json'])).stdout);
    expect(codes(plain)).toContain('ONNX_TF_OP_VERSION_GAP');
    expect(onnxTf(plain)).toContain('ONNX_TF_OP_VERSION_GAP');
    for (const [file, gap] of [['mean-head.opset12.onnx', false], ['mean-head.opset18.onnx', true]] as const) {
      const r = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10', '--json', '--model', fixture(file)]);
      expect(r.exitCode, r.stderr).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(codes(doc), file).not.toContain('ONNX_TF_OP_VERSION_GAP');
      expect(onnxTf(doc), file).not.toContain('ONNX_TF_OP_VERSION_GAP');
      expect(doc.model.supersedes, file).toEqual(['ONNX_TF_OP_VERSION_GAP']);
      expect(onnxTf(doc).includes('MODEL_OP_GAP'), file).toBe(gap);
      // the env's other errors still stand
      expect(onnxTf(doc), file).toContain('ONNX_MAPPING_REMOVED');
    }
    const human = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10', '--model', fixture('mean-head.opset12.onnx')]);
    expect(human.stdout).toContain("the model's own verdict replaces the prediction from torch's default export (ONNX_TF_OP_VERSION_GAP)");
    // the code appears only there (without --model it heads a finding and a route's blockers)
    expect(human.stdout.match(/ONNX_TF_OP_VERSION_GAP/g)).toHaveLength(1);
  });

  it('names the default TorchScript input name as the onnx-tf blocker', async () => {
    const r = await tfdoctor(['check', '--requirements', demo, '--python-version', '3.10', '--json', '--model', fixture('flatten.opset12.onnx')]);
    const doc = JSON.parse(r.stdout);
    expect(doc.model.findings.map((f: { code: string; args: { input: string } }) => [f.code, f.args.input])).toEqual([['ONNX_TF_INPUT_NAME_KEYERROR', 'onnx::Flatten_0']]);
    expect(doc.model.findings[0].message).toContain("KeyError: 'onnx::Flatten_0'");
  });
});
