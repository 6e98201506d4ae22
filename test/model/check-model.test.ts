// The model check on real torch 2.13.0 exports (test/fixtures/model/, written by
// scripts/models/export_model_fixtures.py): op gaps per route, their closers, and the input-name fact.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModel, loadModelSpec, modelBlockers, parseModelSpec, readModelOps, type ModelCheckContext } from '../../src/model/index.js';
import { loadCatalogue } from '../../src/patch/catalogue.js';
import { UserError } from '../../src/util/errors.js';

const fixture = (name: string) => join(__dirname, '..', 'fixtures', 'model', name);
const spec = loadModelSpec();

async function reducePatch() {
  const p = (await loadCatalogue()).patches.find((x) => x.id === 'onnx-tf-reduce-opset18')!;
  return { id: p.id, addsHandlers: p.addsHandlers };
}

async function judge(name: string, ctx: Partial<ModelCheckContext> = {}) {
  return checkModel(readModelOps(fixture(name)), spec, { patches: [], candidates: [await reducePatch()], ...ctx });
}

const route = (c: Awaited<ReturnType<typeof judge>>, id: string) => c.routes.find((r) => r.route === id)!;

describe('readModelOps', () => {
  it('reads the opset, the ops in graph order with their versions, and the fed inputs', () => {
    const m = readModelOps(fixture('mean-head.opset18.onnx'));
    expect(m.opset).toBe(18);
    expect(m.ops.map((o) => `${o.op}-${o.version}`)).toEqual(['Conv-11', 'Relu-14', 'Constant-13', 'ReduceMean-18', 'Gemm-13']);
    expect(m.inputs).toEqual(['input']);
    expect(m.producer).toMatch(/^pytorch /);
  });

  it('refuses a file that is not ONNX in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfd-model-'));
    const cases: [string, Uint8Array | string][] = [
      ['text.onnx', 'this is a README, not a model\n'],
      ['json.onnx', '{"graph": {"node": []}}\n'],
      ['empty.onnx', ''],
      ['truncated.onnx', readFileSync(fixture('mean-head.opset18.onnx')).subarray(0, 200)],
    ];
    for (const [name, body] of cases) {
      writeFileSync(join(dir, name), body);
      let err: unknown;
      try {
        readModelOps(join(dir, name));
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(UserError);
      expect((err as Error).message, name).toContain(join(dir, name));
      expect((err as Error).message, name).not.toContain('\n');
    }
    expect(() => readModelOps(join(dir, 'missing.onnx'))).toThrow(/cannot read .*missing\.onnx: ENOENT/);
  });
});

describe('checkModel', () => {
  it('opset 18 mean head: onnx-tf stops at ReduceMean-18, closed by the reduce patch or a re-export at 17', async () => {
    const c = await judge('mean-head.opset18.onnx');
    const tf = route(c, 'onnx-tf');
    expect(tf.status).toBe('gap');
    expect(tf.firstGap).toMatchObject({ op: 'ReduceMean', version: 18, closedBy: { opset: 17, patches: ['onnx-tf-reduce-opset18'] } });
    expect(tf.gaps).toHaveLength(1);
    expect(tf.closingOpset).toBe(17);
    expect(route(c, 'native').status).toBe('covered');
    expect(route(c, 'onnx2tf')).toMatchObject({ status: 'unknown', reason: 'no-table' });
    expect(route(c, 'litert-torch')).toMatchObject({ status: 'not-applicable', reason: 'not-onnx-input' });
    expect(c.findings).toEqual([]);
    expect(modelBlockers(c).get('onnx-tf')).toEqual(['MODEL_OP_GAP']);
    expect(modelBlockers(c).has('native')).toBe(false);
  });

  it('counts the handlers an applied patch adds', async () => {
    const c = await judge('mean-head.opset18.onnx', { patches: [await reducePatch()] });
    expect(route(c, 'onnx-tf')).toMatchObject({ status: 'covered', counted: ['onnx-tf-reduce-opset18'] });
  });

  it('the same model at opset 12 with named inputs passes onnx-tf', async () => {
    const c = await judge('mean-head.opset12.onnx');
    expect(route(c, 'onnx-tf').status).toBe('covered');
    expect(c.findings).toEqual([]);
  });

  it('torch 2.13 default (dynamo, opset 20) export: ReduceMean-18 first', async () => {
    const c = await judge('mean-head.dynamo.onnx');
    expect(c.model.opset).toBe(20);
    expect(route(c, 'onnx-tf').firstGap).toMatchObject({ op: 'ReduceMean', version: 18 });
  });

  it('resolves op versions through the installed onnx, as onnx-tf does', async () => {
    // onnx 1.12 knows opsets up to 17: onnx-tf then resolves ReduceMean at 17 (version 13) and runs that handler
    const c = await judge('mean-head.opset18.onnx', { onnx: '1.12.0' });
    expect(route(c, 'onnx-tf')).toMatchObject({ status: 'covered', resolvedAt: 17 });
  });

  it('Squeeze-13: no patch closes it, a re-export at opset 12 does; native covers it (ArgMax-13 is lowered)', async () => {
    const c = await judge('squeeze-argmax.opset13.onnx');
    const tf = route(c, 'onnx-tf');
    expect(tf.gaps.map((g) => [g.op, g.version, g.closedBy.opset, g.closedBy.patches])).toEqual([
      ['Unsqueeze', 13, 12, []], ['Squeeze', 13, 12, []],
    ]);
    expect(tf.closingOpset).toBe(12);
    expect(route(c, 'native').status).toBe('covered');
  });

  it('LayerNormalization-17: no opset at which it exists closes it; below 17 torch writes it with other ops (not judged)', async () => {
    const c = await judge('layer-norm.opset17.onnx');
    const tf = route(c, 'onnx-tf');
    expect(tf.firstGap).toMatchObject({ op: 'LayerNormalization', version: 17, closedBy: { opset: null, patches: [], below: 16 } });
    expect(tf.closingOpset).toBeNull();
    expect(tf.decomposedOpset).toBe(16);
    expect(route(c, 'native').status).toBe('covered');
  });

  it("the TorchScript exporter's default input name stops onnx-tf (ONNX_TF_INPUT_NAME_KEYERROR)", async () => {
    const c = await judge('flatten.opset12.onnx');
    expect(c.model.inputs).toEqual(['onnx::Flatten_0']);
    expect(route(c, 'onnx-tf').status).toBe('covered');
    expect(c.findings.map((f) => [f.code, f.route, f.args.input])).toEqual([['ONNX_TF_INPUT_NAME_KEYERROR', 'onnx-tf', 'onnx::Flatten_0']]);
    expect(c.findings[0]!.provenBy).toBe('test/real-env/model-check.test.ts#ONNX_TF_INPUT_NAME_KEYERROR');
    expect(modelBlockers(c).get('onnx-tf')).toEqual(['ONNX_TF_INPUT_NAME_KEYERROR']);
  });

  it('an onnx-tf release the table does not describe is unknown, not judged', async () => {
    const c = await judge('mean-head.opset18.onnx', { onnxTf: '1.9.0' });
    expect(route(c, 'onnx-tf')).toMatchObject({ status: 'unknown', reason: 'converter-version', found: '1.9.0', versions: '==1.10.0' });
  });

  it('judges only the routes asked for', async () => {
    const c = await judge('flatten.opset12.onnx', { routes: ['onnx2tf'] });
    expect(c.routes.map((r) => r.route)).toEqual(['onnx2tf']);
    expect(c.findings).toEqual([]);
  });
});

describe('the input-name fact agrees with tf.function', () => {
  // tensorflow's sanitize_arg_name keeps a name only when every character is alphanumeric or "_" and the first is a letter
  const keeps = new RegExp(spec.facts.find((f) => f.code === 'ONNX_TF_INPUT_NAME_KEYERROR')!.keeps, 'u');
  it.each([
    ['input', true], ['x', true], ['input_1', true], ['Input2', true], ['données', true],
    ['input.1', false], ['x.1', false], ['onnx::Flatten_0', false], ['input-1', false], ['1input', false], ['_x', false], ['in put', false],
  ])('%s -> %s', (name, kept) => expect(keeps.test(name)).toBe(kept));
});

describe('parseModelSpec', () => {
  const text = readFileSync(join(__dirname, '..', '..', 'matrix', 'model.yaml'), 'utf8');
  it('names file:line for a bad entry', () => {
    expect(() => parseModelSpec(text.replace('coverage: unknown', 'coverage: guessed'), 'model.yaml')).toThrow(/^model\.yaml:\d+: route onnx2tf: coverage must be one of/);
    expect(() => parseModelSpec(text.replace("keeps: '^\\p{L}", "keeps: '^(\\p{L}"), 'model.yaml')).toThrow(/ONNX_TF_INPUT_NAME_KEYERROR: keeps is not a regular expression/);
    expect(() => parseModelSpec(text.replace('    proven_by: test/real-env/model-check.test.ts#ONNX_TF_INPUT_NAME_KEYERROR\n', ''), 'model.yaml')).toThrow(/needs exactly one of proven_by/);
    expect(() => parseModelSpec(text.replace(/  - route: native\n    coverage: native-registry\n/, ''), 'model.yaml')).toThrow(/route native is missing/);
  });
});
