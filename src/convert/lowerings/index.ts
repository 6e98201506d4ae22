/** Every lowering, one module per ONNX op. The registry reads the supported (op, version) list from here. */
import type { Lowering } from '../lowering.js';
import absL from './abs.js';
import addL from './add.js';
import averagePoolL from './average-pool.js';
import batchNormalizationL from './batch-normalization.js';
import castL from './cast.js';
import clipL from './clip.js';
import concatL from './concat.js';
import constantOfShapeL from './constant-of-shape.js';
import constantL from './constant.js';
import convTransposeL from './conv-transpose.js';
import convL from './conv.js';
import divL from './div.js';
import dropoutL from './dropout.js';
import equalL from './equal.js';
import expL from './exp.js';
import flattenL from './flatten.js';
import gatherL from './gather.js';
import geluL from './gelu.js';
import gemmL from './gemm.js';
import globalAveragePoolL from './global-average-pool.js';
import globalMaxPoolL from './global-max-pool.js';
import hardSigmoidL from './hard-sigmoid.js';
import hardSwishL from './hard-swish.js';
import identityL from './identity.js';
import leakyReluL from './leaky-relu.js';
import matMulL from './mat-mul.js';
import maxPoolL from './max-pool.js';
import maxL from './max.js';
import minL from './min.js';
import mulL from './mul.js';
import negL from './neg.js';
import pReluL from './p-relu.js';
import padL from './pad.js';
import rangeL from './range.js';
import reduceMaxL from './reduce-max.js';
import reduceMeanL from './reduce-mean.js';
import reduceMinL from './reduce-min.js';
import reduceSumL from './reduce-sum.js';
import reluL from './relu.js';
import reshapeL from './reshape.js';
import resizeL from './resize.js';
import shapeL from './shape.js';
import sigmoidL from './sigmoid.js';
import sliceL from './slice.js';
import softmaxL from './softmax.js';
import splitL from './split.js';
import sqrtL from './sqrt.js';
import squeezeL from './squeeze.js';
import subL from './sub.js';
import tanhL from './tanh.js';
import transposeL from './transpose.js';
import unsqueezeL from './unsqueeze.js';
import upsampleL from './upsample.js';
import whereL from './where.js';
// issue 8: transformer ops
import einsumL from './einsum.js';
import erfL from './erf.js';
import expandL from './expand.js';
import gatherNdL from './gather-nd.js';
import greaterL from './greater.js';
import greaterOrEqualL from './greater-or-equal.js';
import layerNormalizationL from './layer-normalization.js';
import lessL from './less.js';
import lessOrEqualL from './less-or-equal.js';
import modL from './mod.js';
import notL from './not.js';
import powL from './pow.js';
import reduceL2L from './reduce-l2.js';
import scatterNdL from './scatter-nd.js';
import tileL from './tile.js';
// issue 9: quantized (QDQ) ONNX
import dequantizeLinearL from './dequantize-linear.js';
import quantizeLinearL from './quantize-linear.js';
// HuggingFace transformers exports
import andL from './and.js';
import ceilL from './ceil.js';
import gatherElementsL from './gather-elements.js';
import instanceNormalizationL from './instance-normalization.js';
import isNanL from './is-nan.js';
import logL from './log.js';
import reciprocalL from './reciprocal.js';
import sinL from './sin.js';
import cosL from './cos.js';
// run-time integer arithmetic (RoBERTa / OPT position ids)
import cumSumL from './cum-sum.js';
// CLIP's text model: the end-of-text position
import argMaxL from './arg-max.js';

export const allLowerings: Lowering[] = [
  ...absL,
  ...addL,
  ...averagePoolL,
  ...batchNormalizationL,
  ...castL,
  ...clipL,
  ...concatL,
  ...constantOfShapeL,
  ...constantL,
  ...convTransposeL,
  ...convL,
  ...divL,
  ...dropoutL,
  ...equalL,
  ...expL,
  ...flattenL,
  ...gatherL,
  ...geluL,
  ...gemmL,
  ...globalAveragePoolL,
  ...globalMaxPoolL,
  ...hardSigmoidL,
  ...hardSwishL,
  ...identityL,
  ...leakyReluL,
  ...matMulL,
  ...maxPoolL,
  ...maxL,
  ...minL,
  ...mulL,
  ...negL,
  ...pReluL,
  ...padL,
  ...rangeL,
  ...reduceMaxL,
  ...reduceMeanL,
  ...reduceMinL,
  ...reduceSumL,
  ...reluL,
  ...reshapeL,
  ...resizeL,
  ...shapeL,
  ...sigmoidL,
  ...sliceL,
  ...softmaxL,
  ...splitL,
  ...sqrtL,
  ...squeezeL,
  ...subL,
  ...tanhL,
  ...transposeL,
  ...unsqueezeL,
  ...upsampleL,
  ...whereL,
  ...einsumL,
  ...erfL,
  ...expandL,
  ...gatherNdL,
  ...greaterL,
  ...greaterOrEqualL,
  ...layerNormalizationL,
  ...lessL,
  ...lessOrEqualL,
  ...modL,
  ...notL,
  ...powL,
  ...reduceL2L,
  ...scatterNdL,
  ...tileL,
  ...dequantizeLinearL,
  ...quantizeLinearL,
  ...andL,
  ...ceilL,
  ...gatherElementsL,
  ...instanceNormalizationL,
  ...isNanL,
  ...logL,
  ...reciprocalL,
  ...sinL,
  ...cosL,
  ...cumSumL,
  ...argMaxL,
];
