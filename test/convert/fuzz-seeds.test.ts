// The fuzzer's committed seed models are what seeds.ts builds, and each converts (they are the unmutated baseline).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../src/convert/index.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { buildModel } from './helpers/onnx-builder.js';
import { SEED_MODELS } from './fuzz/seeds.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'onnx-fuzz');

describe('fuzz seed models', () => {
  for (const s of SEED_MODELS) {
    it(`${s.name}.onnx is built by seeds.ts and converts`, async () => {
      const bytes = buildModel(s.spec);
      const path = join(dir, `${s.name}.onnx`);
      if (process.env.FUZZ_WRITE_SEEDS === '1') {
        writeFileSync(path, bytes);
        for (const [name, b] of Object.entries(s.files ?? {})) writeFileSync(join(dir, name), b);
      }
      expect(existsSync(path), `${path} missing: run FUZZ_WRITE_SEEDS=1 npx vitest run test/convert/fuzz-seeds.test.ts`).toBe(true);
      expect(Buffer.from(readFileSync(path)).equals(Buffer.from(bytes))).toBe(true);
      for (const [name, b] of Object.entries(s.files ?? {})) expect(Buffer.from(readFileSync(join(dir, name))).equals(Buffer.from(b))).toBe(true);
      const { tflite } = await convertFile(path);
      expect(readTflite(tflite).operators.length).toBeGreaterThan(0);
    });
  }
});
