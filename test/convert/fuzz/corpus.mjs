/**
 * The fuzz corpus: the committed seed models (test/fixtures/onnx-fuzz, built by seeds.ts) and, when
 * Debian's libonnx-testdata is installed, a fixed list of its ONNX backend node-test models.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './pool.mjs';

export const SEED_DIR = join(repoRoot, 'test', 'fixtures', 'onnx-fuzz');
export const NODE_TEST_DIR = '/usr/share/libonnx-testdata/data/node';
export const NODE_TESTS = [
  'test_conv_with_strides_padding', 'test_maxpool_2d_pads', 'test_averagepool_2d_strides', 'test_gemm_default_matrix_bias',
  'test_softmax_axis_1', 'test_concat_2d_axis_0', 'test_batchnorm_example', 'test_transpose_default',
  'test_resize_upsample_scales_nearest', 'test_slice', 'test_reshape_reordered_all_dims', 'test_split_equal_parts_1d',
  'test_where_example', 'test_gather_0', 'test_expand_dim_changed', 'test_constantofshape_int_zeros',
  'test_convtranspose', 'test_reduce_mean_keepdims_example',
];

/** Entries {name, bytes, files}; the same on every run (sorted, fixed list). */
export function loadCorpus({ nodeTests = true } = {}) {
  const bins = Object.fromEntries(readdirSync(SEED_DIR).filter((f) => f.endsWith('.bin')).sort()
    .map((f) => [f, new Uint8Array(readFileSync(join(SEED_DIR, f)))]));
  const corpus = readdirSync(SEED_DIR).filter((f) => f.endsWith('.onnx')).sort()
    .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(SEED_DIR, f))), files: bins }));
  let nodeCount = 0;
  if (nodeTests) {
    for (const t of NODE_TESTS) {
      const p = join(NODE_TEST_DIR, t, 'model.onnx');
      if (!existsSync(p)) continue;
      corpus.push({ name: `node/${t}`, bytes: new Uint8Array(readFileSync(p)), files: {} });
      nodeCount++;
    }
  }
  return { corpus, nodeCount };
}
