/**
 * TFLite flatbuffer schema facts (schema version 3), as read from tensorflow's schema
 * (tensorflow/lite/python/schema_py_generated.py in tensorflow 2.20): enum values, table slot
 * numbers and field widths. Only the facts this converter writes are listed.
 */

/** BuiltinOperator enum values. */
export const BuiltinOp = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, FULLY_CONNECTED: 9,
  LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU_N1_TO_1: 20, RELU6: 21, RESHAPE: 22,
  RESIZE_BILINEAR: 23, SOFTMAX: 25, TANH: 28, PAD: 34, TRANSPOSE: 39, MEAN: 40, SUB: 41, DIV: 42, SQUEEZE: 43,
  STRIDED_SLICE: 45, EXP: 47, SPLIT: 49, CAST: 53, MAXIMUM: 55, MINIMUM: 57, PADV2: 60, SLICE: 65, SUM: 74,
  PRELU: 54, TRANSPOSE_CONV: 67, NEG: 59, SQRT: 75, REDUCE_MAX: 82, REDUCE_MIN: 89, RESIZE_NEAREST_NEIGHBOR: 97, LEAKY_RELU: 98, ABS: 101,
  SPLIT_V: 102, ELU: 111, HARD_SWISH: 117, BATCH_MATMUL: 126, GELU: 150,
  /** deprecated_builtin_code value meaning "look at builtin_code" */
  PLACEHOLDER_FOR_GREATER_OP_CODES: 127,
  RELU_0_TO_1: 152,
  GATHER: 36, LESS: 58, GREATER: 61, GREATER_EQUAL: 62, LESS_EQUAL: 63, TILE: 69, EQUAL: 71, NOT_EQUAL: 72,
  RSQRT: 76, POW: 78, LOGICAL_NOT: 87, SQUARE: 92, FLOOR_MOD: 95, SQUARED_DIFFERENCE: 99, GATHER_ND: 107,
  SELECT_V2: 123, BROADCAST_TO: 130, LOGICAL_AND: 86, LOG: 73, SIN: 66, CEIL: 104, COS: 108,
  DEQUANTIZE: 6, QUANTIZE: 114, CUMSUM: 128, ARG_MAX: 56,
} as const;
export type BuiltinOpName = keyof typeof BuiltinOp;

/** TensorType enum values. */
export const TensorType = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT64: 4, BOOL: 6, INT16: 7, INT8: 9 } as const;
export type TensorTypeName = keyof typeof TensorType;

/** Padding enum. */
export const Padding = { SAME: 0, VALID: 1 } as const;

/** ActivationFunctionType enum. */
export const Activation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 } as const;
export type ActivationName = keyof typeof Activation;

type FieldKind = 'i8' | 'i32' | 'bool' | 'f32' | 'i32vec';
interface OptionsTable {
  /** BuiltinOptions union discriminant */
  unionType: number;
  /** number of slots (StartObject(n)) */
  slots: number;
  fields: Record<string, { slot: number; kind: FieldKind; default: number }>;
}

/** BuiltinOptions tables: union discriminant, slot count, and field slots. */
export const OptionsTables = {
  Conv2DOptions: { unionType: 1, slots: 7, fields: {
    padding: { slot: 0, kind: 'i8', default: 0 }, stride_w: { slot: 1, kind: 'i32', default: 0 },
    stride_h: { slot: 2, kind: 'i32', default: 0 }, fused_activation_function: { slot: 3, kind: 'i8', default: 0 },
    dilation_w_factor: { slot: 4, kind: 'i32', default: 1 }, dilation_h_factor: { slot: 5, kind: 'i32', default: 1 } } },
  DepthwiseConv2DOptions: { unionType: 2, slots: 7, fields: {
    padding: { slot: 0, kind: 'i8', default: 0 }, stride_w: { slot: 1, kind: 'i32', default: 0 },
    stride_h: { slot: 2, kind: 'i32', default: 0 }, depth_multiplier: { slot: 3, kind: 'i32', default: 0 },
    fused_activation_function: { slot: 4, kind: 'i8', default: 0 },
    dilation_w_factor: { slot: 5, kind: 'i32', default: 1 }, dilation_h_factor: { slot: 6, kind: 'i32', default: 1 } } },
  Pool2DOptions: { unionType: 5, slots: 6, fields: {
    padding: { slot: 0, kind: 'i8', default: 0 }, stride_w: { slot: 1, kind: 'i32', default: 0 },
    stride_h: { slot: 2, kind: 'i32', default: 0 }, filter_width: { slot: 3, kind: 'i32', default: 0 },
    filter_height: { slot: 4, kind: 'i32', default: 0 }, fused_activation_function: { slot: 5, kind: 'i8', default: 0 } } },
  FullyConnectedOptions: { unionType: 8, slots: 5, fields: {
    fused_activation_function: { slot: 0, kind: 'i8', default: 0 }, weights_format: { slot: 1, kind: 'i8', default: 0 },
    keep_num_dims: { slot: 2, kind: 'bool', default: 0 },
    // hybrid (dynamic-range) kernels quantize the float input per batch row with a zero point
    asymmetric_quantize_inputs: { slot: 3, kind: 'bool', default: 0 } } },
  SoftmaxOptions: { unionType: 9, slots: 1, fields: { beta: { slot: 0, kind: 'f32', default: 0 } } },
  ConcatenationOptions: { unionType: 10, slots: 2, fields: {
    axis: { slot: 0, kind: 'i32', default: 0 }, fused_activation_function: { slot: 1, kind: 'i8', default: 0 } } },
  AddOptions: { unionType: 11, slots: 2, fields: { fused_activation_function: { slot: 0, kind: 'i8', default: 0 } } },
  ResizeBilinearOptions: { unionType: 15, slots: 4, fields: {
    align_corners: { slot: 2, kind: 'bool', default: 0 }, half_pixel_centers: { slot: 3, kind: 'bool', default: 0 } } },
  ReshapeOptions: { unionType: 17, slots: 1, fields: { new_shape: { slot: 0, kind: 'i32vec', default: 0 } } },
  MulOptions: { unionType: 21, slots: 1, fields: { fused_activation_function: { slot: 0, kind: 'i8', default: 0 } } },
  PadOptions: { unionType: 22, slots: 0, fields: {} },
  TransposeOptions: { unionType: 26, slots: 0, fields: {} },
  ReducerOptions: { unionType: 27, slots: 1, fields: { keep_dims: { slot: 0, kind: 'bool', default: 0 } } },
  SubOptions: { unionType: 28, slots: 2, fields: { fused_activation_function: { slot: 0, kind: 'i8', default: 0 } } },
  DivOptions: { unionType: 29, slots: 1, fields: { fused_activation_function: { slot: 0, kind: 'i8', default: 0 } } },
  StridedSliceOptions: { unionType: 32, slots: 6, fields: {
    begin_mask: { slot: 0, kind: 'i32', default: 0 }, end_mask: { slot: 1, kind: 'i32', default: 0 },
    ellipsis_mask: { slot: 2, kind: 'i32', default: 0 }, new_axis_mask: { slot: 3, kind: 'i32', default: 0 },
    shrink_axis_mask: { slot: 4, kind: 'i32', default: 0 } } },
  SplitOptions: { unionType: 35, slots: 1, fields: { num_splits: { slot: 0, kind: 'i32', default: 0 } } },
  MaximumMinimumOptions: { unionType: 39, slots: 0, fields: {} },
  PadV2Options: { unionType: 43, slots: 0, fields: {} },
  ResizeNearestNeighborOptions: { unionType: 74, slots: 2, fields: {
    align_corners: { slot: 0, kind: 'bool', default: 0 }, half_pixel_centers: { slot: 1, kind: 'bool', default: 0 } } },
  SplitVOptions: { unionType: 79, slots: 1, fields: { num_splits: { slot: 0, kind: 'i32', default: 0 } } },
  HardSwishOptions: { unionType: 91, slots: 0, fields: {} },
  TransposeConvOptions: { unionType: 49, slots: 5, fields: {
    padding: { slot: 0, kind: 'i8', default: 0 }, stride_w: { slot: 1, kind: 'i32', default: 0 },
    stride_h: { slot: 2, kind: 'i32', default: 0 }, fused_activation_function: { slot: 3, kind: 'i8', default: 0 } } },
  LeakyReluOptions: { unionType: 75, slots: 1, fields: { alpha: { slot: 0, kind: 'f32', default: 0 } } },
  GeluOptions: { unionType: 116, slots: 1, fields: { approximate: { slot: 0, kind: 'bool', default: 0 } } },
  BatchMatMulOptions: { unionType: 101, slots: 3, fields: {
    adj_x: { slot: 0, kind: 'bool', default: 0 }, adj_y: { slot: 1, kind: 'bool', default: 0 },
    asymmetric_quantize_inputs: { slot: 2, kind: 'bool', default: 0 } } },
  GatherOptions: { unionType: 23, slots: 2, fields: {
    axis: { slot: 0, kind: 'i32', default: 0 }, batch_dims: { slot: 1, kind: 'i32', default: 0 } } },
  LessOptions: { unionType: 41, slots: 0, fields: {} },
  GreaterOptions: { unionType: 44, slots: 0, fields: {} },
  GreaterEqualOptions: { unionType: 45, slots: 0, fields: {} },
  LessEqualOptions: { unionType: 46, slots: 0, fields: {} },
  TileOptions: { unionType: 51, slots: 0, fields: {} },
  EqualOptions: { unionType: 53, slots: 0, fields: {} },
  NotEqualOptions: { unionType: 54, slots: 0, fields: {} },
  PowOptions: { unionType: 56, slots: 0, fields: {} },
  LogicalNotOptions: { unionType: 63, slots: 0, fields: {} },
  LogicalAndOptions: { unionType: 62, slots: 0, fields: {} },
  CastOptions: { unionType: 37, slots: 2, fields: {
    in_data_type: { slot: 0, kind: 'i8', default: 0 }, out_data_type: { slot: 1, kind: 'i8', default: 0 } } },
  SquareOptions: { unionType: 66, slots: 0, fields: {} },
  FloorModOptions: { unionType: 72, slots: 0, fields: {} },
  SquaredDifferenceOptions: { unionType: 76, slots: 0, fields: {} },
  GatherNdOptions: { unionType: 83, slots: 0, fields: {} },
  SelectV2Options: { unionType: 98, slots: 0, fields: {} },
  BroadcastToOptions: { unionType: 104, slots: 0, fields: {} },
  DequantizeOptions: { unionType: 38, slots: 0, fields: {} },
  QuantizeOptions: { unionType: 89, slots: 0, fields: {} },
  ArgMaxOptions: { unionType: 40, slots: 1, fields: { output_type: { slot: 0, kind: 'i8', default: 0 } } },
  CumsumOptions: { unionType: 102, slots: 2, fields: {
    exclusive: { slot: 0, kind: 'bool', default: 0 }, reverse: { slot: 1, kind: 'bool', default: 0 } } },
} as const satisfies Record<string, OptionsTable>;
export type OptionsName = keyof typeof OptionsTables;

/** A value a BuiltinOptions field holds (bools are written as 0/1 bytes). */
export type OptionValue = number | boolean | number[];
/** The field names of one options table, as the schema spells them. */
export type OptionFieldName<T extends OptionsName> = keyof (typeof OptionsTables)[T]['fields'] & string;
/** An operator's options: a table and values for its own fields only (a misspelt field is a type error). */
export type TypedOptions = { [T in OptionsName]: { table: T; values: Partial<Record<OptionFieldName<T>, OptionValue>> } }[OptionsName];

/** Table slot numbers of the tables the writer builds (Model, SubGraph, Tensor, ...). */
export const Slots = {
  Model: { count: 10, version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, signature_defs: 7 },
  SubGraph: { count: 6, tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Tensor: { count: 11, shape: 0, type: 1, buffer: 2, name: 3, quantization: 4 },
  /** scale[] (f32), zero_point[] (i64), quantized_dimension (i32); min/max (f32 vectors) are informational */
  QuantizationParameters: { count: 7, min: 0, max: 1, scale: 2, zero_point: 3, quantized_dimension: 6 },
  Operator: { count: 14, opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4 },
  OperatorCode: { count: 4, deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3 },
  Buffer: { count: 3, data: 0 },
  SignatureDef: { count: 5, inputs: 0, outputs: 1, signature_key: 2, subgraph_index: 4 },
  TensorMap: { count: 2, name: 0, tensor_index: 1 },
} as const;

export const SCHEMA_VERSION = 3;
export const FILE_IDENTIFIER = 'TFL3';
