/**
 * Real HuggingFace transformers exports (test/fixtures/hf/, written by scripts/models/export_hf.py --tiny:
 * torch 2.13.0, transformers 5.24.0, random weights, batch 1, sequence 8, int64 input_ids and
 * attention_mask): each converts, takes int32 ids and mask in the .tflite, and matches onnxruntime-node
 * (LiteRT.js, seeded ids in [0, 64) and 0/1 masks, 2 input sets; RoBERTa's ids also hold its padding id
 * and CLIP's its end-of-text id where a tokenizer pads) within 1e-4 x max|ref| — the outputs' own scale, stricter than the verifier's
 * 1e-4 x max(1, max|ref|) on these small random-weight logits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../src/convert/index.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { verifyConversion } from '../../src/verify/index.js';
import { tempDir } from './helpers/run.js';

const DIR = 'test/fixtures/hf';
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { models: { file: string; class: string }[] };

/** what each export carries that the converter must take (ops of the .tflite that show it) */
const SHOWS: Record<string, string[]> = {
  // dynamo: mask via GatherND + And, SDPA's Where(IsNaN(softmax)), token_type_ids via GatherElements (folded)
  'bert-seqcls.dynamo.onnx': ['FLOOR_MOD', 'GATHER', 'CAST', 'GATHER_ND', 'LOGICAL_AND', 'NOT_EQUAL', 'SELECT_V2'],
  // TorchScript: mask via Flatten + Gather of a bool tensor, Expand; GPT-2's tanh GELU
  'gpt2-lm.torchscript.onnx': ['FLOOR_MOD', 'GATHER', 'CAST', 'LOGICAL_AND', 'NOT_EQUAL', 'SELECT_V2', 'TANH'],
  // TorchScript: rotary tables from Sin/Cos of constants (folded), RMS norm, SiLU
  'llama-lm.torchscript.onnx': ['FLOOR_MOD', 'GATHER', 'CAST', 'LOGICAL_AND', 'NOT_EQUAL', 'SELECT_V2', 'LOGISTIC'],
  // TorchScript: position ids from the ids, in int32 at run time: cumsum(ids != pad) * (ids != pad) + pad
  'roberta-seqcls.torchscript.onnx': ['EQUAL', 'LOGICAL_NOT', 'CAST', 'CUMSUM', 'MUL', 'ADD', 'GATHER'],
  // TorchScript: position ids from the mask, int64 arithmetic in int32: cumsum(mask) * mask - 1 + 2
  'opt-lm.torchscript.onnx': ['CUMSUM', 'MUL', 'SUB', 'ADD', 'GATHER'],
  // TorchScript: the pooled position ArgMax(ids == eos) + row offset, a run-time Gather of the flattened states
  'clip-text.torchscript.onnx': ['EQUAL', 'CAST', 'ARG_MAX', 'ADD', 'FLOOR_MOD', 'GATHER'],
};

/** notes besides each input's int64-input-as-int32: OPT's mask arithmetic is exact for masks within +-16383 (sequence 8) */
const NOTES: Record<string, string[]> = { 'opt-lm.torchscript.onnx': ['int64-arithmetic-in-int32'] };

describe('HF transformers exports (test/fixtures/hf)', () => {
  it('the fixtures are the ones listed here', () => {
    expect(manifest.models.map((m) => m.file).sort()).toEqual(Object.keys(SHOWS).sort());
  });

  for (const m of manifest.models) {
    it(`${m.file} (${m.class}) converts with int32 ids and mask and matches onnxruntime`, async () => {
      const onnx = join(DIR, m.file);
      const { tflite, summary } = await convertFile(onnx);
      const model = readTflite(tflite);
      const ops = new Set(model.operators.map((o) => o.op));
      for (const op of SHOWS[m.file]!) expect(ops, op).toContain(op);
      expect(model.inputs.map((t) => model.tensors[t]!.type)).toEqual(['INT32', 'INT32']);
      expect(summary.notes?.map((n) => n.code)).toEqual(['int64-input-as-int32', 'int64-input-as-int32', ...(NOTES[m.file] ?? [])]);
      const out = join(tempDir(), 'model.tflite');
      writeFileSync(out, tflite);
      const r = await verifyConversion(onnx, out, { seed: 3, runs: 2 });
      expect(r.problems).toEqual([]);
      expect(r.maxRef).toBeGreaterThan(0.005);
      expect(r.maxAbs).toBeLessThanOrEqual(1e-4 * r.maxRef);
    });
  }
});
