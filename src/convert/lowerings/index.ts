/** Every lowering, one module per ONNX op. The registry reads the supported (op, version) list from here. */
import type { Lowering } from '../lowering.js';
import add from './add.js';
import averagePool from './average-pool.js';
import batchNormalization from './batch-normalization.js';
import cast from './cast.js';
import clip from './clip.js';
import concat from './concat.js';
import constantOfShape from './constant-of-shape.js';
import constant from './constant.js';
import conv from './conv.js';
import div from './div.js';
import dropout from './dropout.js';
import equal from './equal.js';
import flatten from './flatten.js';
import gather from './gather.js';
import gemm from './gemm.js';
import globalAveragePool from './global-average-pool.js';
import hardSigmoid from './hard-sigmoid.js';
import hardSwish from './hard-swish.js';
import identity from './identity.js';
import matMul from './mat-mul.js';
import maxPool from './max-pool.js';
import mul from './mul.js';
import pad from './pad.js';
import range from './range.js';
import reduceMean from './reduce-mean.js';
import relu from './relu.js';
import reshape from './reshape.js';
import resize from './resize.js';
import shape from './shape.js';
import sigmoid from './sigmoid.js';
import slice from './slice.js';
import softmax from './softmax.js';
import split from './split.js';
import squeeze from './squeeze.js';
import sub from './sub.js';
import transpose from './transpose.js';
import unsqueeze from './unsqueeze.js';
import where from './where.js';

export const allLowerings: Lowering[] = [
  ...add,
  ...averagePool,
  ...batchNormalization,
  ...cast,
  ...clip,
  ...concat,
  ...constantOfShape,
  ...constant,
  ...conv,
  ...div,
  ...dropout,
  ...equal,
  ...flatten,
  ...gather,
  ...gemm,
  ...globalAveragePool,
  ...hardSigmoid,
  ...hardSwish,
  ...identity,
  ...matMul,
  ...maxPool,
  ...mul,
  ...pad,
  ...range,
  ...reduceMean,
  ...relu,
  ...reshape,
  ...resize,
  ...shape,
  ...sigmoid,
  ...slice,
  ...softmax,
  ...split,
  ...squeeze,
  ...sub,
  ...transpose,
  ...unsqueeze,
  ...where,
];
