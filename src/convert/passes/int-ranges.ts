/**
 * int64 arithmetic computed in int32. Run-time integers are int32 tensors in the .tflite (emit.ts
 * tensorType), so an int64 Add / Sub / Mul / Neg / Abs / CumSum written as its int32 kernel is exact only
 * while its values fit int32. Interval arithmetic over the run-time integer values decides it: a
 * comparison gives bools and a bool cast to an integer is 0 or 1, ArgMax is an index below its axis'
 * size, a constant is its own min and max, an integer graph input is int32 in the .tflite (the
 * int64-input-as-int32 note) and any other producer is taken as anything int32 holds. int32 ONNX
 * arithmetic is not checked: it wraps the same way in both.
 *
 * The rule: find the largest B such that every checked result fits int32 when each integer input that
 * reaches one is within [-B, B] (the intervals only grow with B, so a binary search finds it).
 * - B covers all of int32 (RoBERTa: positions counted from a comparison's bools): exact for every input;
 *   no note.
 * - B >= 1 (OPT: a cumulative sum of the mask times the mask, within 16 B^2 at sequence 16): converted,
 *   with note 'int64-arithmetic-in-int32' naming the inputs and B; 0/1 masks and ids below B are exact.
 * - else refused at the nodes that can overflow: the constants alone take them past int32.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { isRunTimeIntType } from '../../onnx/tensor.js';
import { normAxis, type Blocker, type IrGraph, type IrNode } from '../ir.js';

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
/** ops whose int64 result is computed by an int32 kernel and can leave int32 */
const CHECKED = new Set(['Add', 'Sub', 'Mul', 'Neg', 'Abs', 'CumSum']);
/** ops whose output holds values of their input 0 (the data of a look-up) */
const KEEPS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Transpose', 'Expand', 'Tile', 'Slice', 'Split',
  'Gather', 'GatherND', 'GatherElements', 'Cast', 'Dropout']);

interface Range {
  lo: number;
  hi: number;
  /** the integer graph inputs this value is computed from */
  from: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();
const union = (rs: Range[]): Range => ({
  lo: Math.min(...rs.map((r) => r.lo)), hi: Math.max(...rs.map((r) => r.hi)), from: new Set(rs.flatMap((r) => [...r.from])),
});
const fits = (r: Range) => r.lo >= I32_MIN && r.hi <= I32_MAX;

/** The interval of an integer node output, from its inputs' intervals. */
function transfer(n: IrNode, g: IrGraph, at: (name: string) => Range): Range {
  const ins = n.inputs;
  const from = (rs: Range[]) => new Set(rs.flatMap((r) => [...r.from]));
  switch (n.op) {
    case 'Add': { const [a, b] = [at(ins[0]!), at(ins[1]!)]; return { lo: a.lo + b.lo, hi: a.hi + b.hi, from: from([a, b]) }; }
    case 'Sub': { const [a, b] = [at(ins[0]!), at(ins[1]!)]; return { lo: a.lo - b.hi, hi: a.hi - b.lo, from: from([a, b]) }; }
    case 'Mul': {
      const [a, b] = [at(ins[0]!), at(ins[1]!)];
      const p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
      return { lo: Math.min(...p), hi: Math.max(...p), from: from([a, b]) };
    }
    case 'Neg': { const a = at(ins[0]!); return { lo: -a.hi, hi: -a.lo, from: a.from }; }
    case 'Abs': { const a = at(ins[0]!); return { lo: a.lo > 0 ? a.lo : a.hi < 0 ? -a.hi : 0, hi: Math.max(Math.abs(a.lo), Math.abs(a.hi)), from: a.from }; }
    case 'CumSum': {
      const a = at(ins[0]!);
      const shape = g.values.get(ins[0]!)!.shape!;
      const axis = g.values.get(ins[1]!)?.const?.data[0] ?? 0;
      const len = shape[normAxis(axis, shape.length)]!;
      return { lo: len * Math.min(a.lo, 0), hi: len * Math.max(a.hi, 0), from: a.from };
    }
    case 'ArgMax':
    case 'ArgMin': {
      const shape = g.values.get(ins[0]!)!.shape!;
      const a = n.attrs.get('axis');
      return { lo: 0, hi: shape[normAxis(a?.type === 'int' ? a.value : 0, shape.length)]! - 1, from: NONE };
    }
    case 'Where': return union([at(ins[1]!), at(ins[2]!)]);
    case 'Concat': case 'Max': case 'Min': return union(ins.filter((i) => i).map(at));
    default: {
      // moves and look-ups keep input 0's values (a bool one is 0/1); any other producer (a lowering added
      // later) may compute anything int32 holds, so arithmetic after it is refused until it gets a case here
      const dt = g.values.get(ins[0] ?? '')?.dtype;
      const keeps = KEEPS.has(n.op) && dt !== undefined && (isRunTimeIntType(dt) || dt === OnnxDataType.BOOL);
      return keeps ? at(ins[0]!) : { lo: I32_MIN, hi: I32_MAX, from: from(ins.filter((i) => i).map(at)) };
    }
  }
}

/** The checked nodes whose int64 result can leave int32 with every integer input within [-bound, bound]. */
function overflows(g: IrGraph, bound: number): { node: IrNode; range: Range }[] {
  const ranges = new Map<string, Range>();
  for (const name of g.inputs) if (isRunTimeIntType(g.values.get(name)!.dtype)) ranges.set(name, { lo: -bound, hi: bound, from: new Set([name]) });
  const at = (name: string): Range => {
    const v = g.values.get(name);
    if (v?.const) {
      let [lo, hi] = [Infinity, -Infinity];
      for (const x of v.const.data) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
      return { lo, hi, from: NONE };
    }
    if (v?.dtype === OnnxDataType.BOOL) return { lo: 0, hi: 1, from: NONE };
    return ranges.get(name) ?? { lo: I32_MIN, hi: I32_MAX, from: NONE };
  };
  const out: { node: IrNode; range: Range }[] = [];
  for (const n of g.nodes) {
    const o = n.outputs[0];
    const dt = o ? g.values.get(o)?.dtype : undefined;
    if (!o || dt === undefined || !isRunTimeIntType(dt)) continue;
    let r = transfer(n, g, at);
    if (CHECKED.has(n.op) && !fits(r)) {
      if (dt === OnnxDataType.INT64) out.push({ node: n, range: r });
      // an int32 result wraps alike in ONNX and TFLite: it is anything int32 holds
      r = { lo: I32_MIN, hi: I32_MAX, from: r.from };
    }
    ranges.set(o, r);
  }
  return out;
}

/**
 * Checks the int64 arithmetic of `g` (after folding: every node left runs): returns the note to add, or
 * pushes blockers when even inputs within [-1, 1] can overflow.
 */
export function checkIntArithmetic(g: IrGraph, blockers: Blocker[]): void {
  if (overflows(g, I32_MAX).length === 0) return;
  const small = overflows(g, 1);
  if (small.length) {
    for (const { node, range } of small) {
      blockers.push({ node: node.name, op: node.op, version: node.since, code: 'int64-overflow', args: { lo: range.lo, hi: range.hi } });
    }
    return;
  }
  let [ok, bad] = [1, I32_MAX];
  while (bad - ok > 1) {
    const mid = Math.floor((ok + bad) / 2);
    if (overflows(g, mid).length === 0) ok = mid; else bad = mid;
  }
  const hit = overflows(g, bad);
  const inputs = [...new Set(hit.flatMap((h) => [...h.range.from]))].sort();
  g.notes.push({ code: 'int64-arithmetic-in-int32', inputs, bound: ok, nodes: hit.map((h) => h.node.name) });
}
