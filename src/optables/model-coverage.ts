// A model's own (op, version) pairs against each route's coverage: onnx-tf 1.10.0's handlers (plus
// what catalogue patches add), the native converter's lowerings; the first gap per route and what
// closes it (the highest export opset at which every op has a handler, or a patch). onnx2tf and
// litert-torch are not judged from op tables (onnx2tf has no version table; litert-torch reads PyTorch).
import { readFileSync } from 'node:fs';
import { parseOnnxBytes } from '../onnx/read.js';
import { UserError } from '../util/errors.js';
import { onnxTfGaps, resolveSinceVersion, type OpVersion } from './coverage.js';

export interface ModelOps {
  path: string;
  /** the default-domain (ai.onnx) opset the model imports */
  opset: number;
  /** distinct op types of the default domain, in first-use order */
  opTypes: string[];
  /** (op, since_version) pairs as a runtime resolves them at `opset` */
  ops: OpVersion[];
  /** other domains the model imports (custom ops no route converts) */
  otherDomains: string[];
  /** graph inputs that are not initializers */
  inputNames: string[];
}

export function readModelOps(path: string): ModelOps {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`cannot read --model ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const model = parseOnnxBytes(bytes, path);
  const opset = model.opsets.get('') ?? model.opsets.get('ai.onnx');
  if (opset === undefined) throw new UserError(`${path} imports no ai.onnx opset: not an ONNX model tfdoctor can judge`);
  const opTypes: string[] = [];
  for (const n of model.graph.nodes) if ((n.domain === '' || n.domain === 'ai.onnx') && !opTypes.includes(n.opType)) opTypes.push(n.opType);
  const inits = new Set(model.graph.initializers.map((t) => t.name));
  return {
    path, opset, opTypes,
    ops: opTypes.map((op) => ({ op, version: resolveSinceVersion(op, opset) ?? 1 })),
    otherDomains: [...model.opsets.keys()].filter((d) => d !== '' && d !== 'ai.onnx').sort(),
    inputNames: model.graph.inputs.map((i) => i.name).filter((n) => !inits.has(n)),
  };
}

export type ModelRoute = 'onnx-tf' | 'native';

export interface ModelRouteVerdict {
  route: ModelRoute;
  /** ops the route cannot convert, in model order */
  gaps: OpVersion[];
  /** the highest opset <= the model's at which every op type has a handler / lowering (re-export there) */
  exportOpset: number | null;
  /** a catalogue patch whose added handlers close every gap */
  patch: string | null;
  /** input names onnx-tf trips on (TorchScript's `input.1`, `onnx::...`): it fails with a KeyError first */
  badInputNames: string[];
}

export interface CoverageSources {
  /** catalogue patches with the onnx-tf handler versions they add */
  patches: { id: string; addsHandlers: Record<string, number[]> }[];
  /** does the native converter lower (op, since_version)? */
  nativeSupports: (op: string, version: number) => boolean;
}

// onnx-tf builds tensor names from ONNX names; a '.' or ':' in a graph input (TorchScript's default
// `input.1`, `onnx::Conv_0`) is renamed on one side only and the lookup fails with a KeyError
const ONNX_TF_BAD_NAME = /[.:]/;

export function judgeModel(m: ModelOps, src: CoverageSources): ModelRouteVerdict[] {
  const onnxTf = onnxTfGaps(m.opTypes, m.opset);
  const patch = onnxTf.length === 0 ? null : src.patches.find((p) => onnxTfGaps(m.opTypes, m.opset, null, p.addsHandlers).length === 0)?.id ?? null;
  const nativeGaps = (opset: number) => m.opTypes
    .map((op) => ({ op, version: resolveSinceVersion(op, opset) ?? 1 }))
    .filter((o) => !src.nativeSupports(o.op, o.version));
  return [
    {
      route: 'onnx-tf', gaps: onnxTf, patch,
      exportOpset: onnxTf.length === 0 ? m.opset : highest(m.opset, (o) => onnxTfGaps(m.opTypes, o).length === 0),
      badInputNames: m.inputNames.filter((n) => ONNX_TF_BAD_NAME.test(n)),
    },
    {
      route: 'native', gaps: nativeGaps(m.opset), patch: null,
      exportOpset: nativeGaps(m.opset).length === 0 ? m.opset : highest(m.opset, (o) => nativeGaps(o).length === 0),
      badInputNames: [],
    },
  ];
}

function highest(from: number, ok: (opset: number) => boolean): number | null {
  for (let o = from - 1; o >= 7; o--) if (ok(o)) return o;
  return null;
}
