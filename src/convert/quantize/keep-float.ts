/**
 * Which operators `--quantize int8` keeps in float32 beyond those without an int8 rule: the ones the
 * user names (`--keep-float NAME,...`), or, with `--keep-float auto`, the fewest that bring the int8
 * model's top-1 agreement with the float model up to a target, measured rather than guessed.
 *
 * auto, run after calibration (which measured ranges on the "fit" part of the calibration samples and
 * left the "check" part aside; held-out data the user verifies on is never seen here):
 *   1. the float graph and the all-int8 graph run on the check samples; if the all-int8 model already
 *      agrees >= target, nothing more is kept float;
 *   2. sensitivity: for each operator that introduces quantization error (an int8 rule other than
 *      "keeps its input's params"), the model with only that operator in int8 runs on a few check
 *      samples; its output SQNR against the float model is the damage that operator does alone;
 *   3. the k most damaging operators are kept float for k = 1, 2, 4, ... up to a quarter of them, then
 *      k is narrowed by bisection, until agreement on the check samples reaches the target.
 * A model with more than PER_OPERATOR_MAX candidates (a transformer: hundreds, each a full build and
 * LiteRT run) measures step 2 by groups first: runs of consecutive candidates, each group alone in int8.
 * A group's rounding includes each member's, so no member alone does more damage than its group: an
 * operator of a group not yet measured singly cannot outrank one measured below that group's SQNR. The
 * groups are measured singly worst first, only as far as the k of step 3 needs, and the k most damaging
 * come out as a full per-operator pass would rank them (up to that bound), at a fraction of its runs. At
 * most MAX_REFINED_GROUPS groups are measured singly; past that, operators rank by their group's SQNR and
 * say so in their reason.
 * If a quarter of the operators kept float does not reach the target, nothing more is kept float and
 * the report says so, with the agreement the float model itself keeps on check inputs merely rounded to
 * the int8 input grid (when that is under the target, no int8 model can be expected to reach it).
 * Each kept operator's reason carries its measured damage.
 */
import { UserError } from '../../util/errors.js';
import { openTflite } from '../../verify/litert.js';
import { TfliteGraph } from '../tflite/model.js';
import { writeVersionedTflite } from '../tflite/write.js';
import { correctBiases, type ElementMeans } from './bias-correction.js';
import type { FloatReason } from './decisions.js';
import { quantizeInt8 } from './int8.js';
import { activationParams } from './int8-params.js';
import { INT8_RULES } from './int8-rules.js';
import type { Range } from './ranges.js';

export type KeepFloatRequest = { auto: { minAgreement: number; maxShare?: number; perOperatorMax?: number; maxRefinedGroups?: number; sensitivitySamples?: number } } | { names: readonly string[] };

/** The numbers `--keep-float auto` measured while choosing (shared with the report's `quantization.keepFloat`). */
export interface KeepFloatStats {
  /** the top-1 agreement aimed at (--min-agreement) and the calibration samples that judged it */
  target?: number;
  checkSamples?: number;
  /** on the check samples: every operator with an int8 rule in int8 / the chosen model */
  allInt8?: { agreement: number; sqnrDb: number };
  chosen?: { agreement: number; sqnrDb: number };
  /** the float model on the check inputs rounded to the int8 input grid (the floor no int8 model escapes) */
  inputRounding?: { agreement: number };
  reached?: boolean;
  /** when not reached: agreement and SQNR with the cap's share of operators float */
  atCap?: { kept: number; agreement: number; sqnrDb: number };
  /** operators that introduce quantization error (the candidates) */
  candidates?: number;
  /** int8 models built and run while choosing */
  modelsTried?: number;
  /** with more than PER_OPERATOR_MAX candidates: groups of consecutive candidates measured, and how many of them singly */
  groups?: { count: number; refined: number; sensitivitySamples: number };
  seconds?: number;
}

/** What `--keep-float` decided, for the report (`quantization.keepFloat` in --json). */
export interface KeepFloatChoice extends KeepFloatStats {
  mode: 'auto' | 'names';
  /** operator index in the float graph -> why it stays float */
  kept: Map<number, FloatReason>;
}

/** Operators the names pick: the report's output tensor names or TFLite builtin names (SOFTMAX). */
export function keepByName(g: TfliteGraph, names: readonly string[]): Map<number, FloatReason> {
  const kept = new Map<number, FloatReason>();
  for (const name of names) {
    let hit = false;
    g.operators.forEach((op, i) => {
      if (op.op === name || g.tensors[op.outputs[0]!]?.name === name) {
        kept.set(i, { code: 'kept-by-name', name });
        hit = true;
      }
    });
    if (!hit) throw new UserError(`--keep-float: no operator '${name}' (give an operator's output name as the quantization report lists it, or a TFLite op such as SOFTMAX)`);
  }
  return kept;
}

/** A copy of `g` whose tensors and operators can be changed (bias correction) without touching `g`. */
function cloneGraph(g: TfliteGraph): TfliteGraph {
  const c = new TfliteGraph();
  for (const t of g.tensors) {
    const n = c.addTensor(t.name, t.shape, t.type, t.quantization);
    if (t.data) c.tensors[n]!.data = t.data;
  }
  c.operators.push(...g.operators.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs] })));
  c.inputs = [...g.inputs];
  c.outputs = [...g.outputs];
  c.signatureInputs = g.signatureInputs.map((s) => ({ ...s }));
  c.signatureOutputs = g.signatureOutputs.map((s) => ({ ...s }));
  c.description = g.description;
  return c;
}

/** Row-wise top-1 over the last axis of every output: the decisions agreement counts. */
function decisions(outputs: readonly Float32Array[], dims: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  outputs.forEach((o, k) => {
    const c = dims[k]!.at(-1) ?? o.length;
    for (let r = 0; r + c <= o.length; r += c) {
      let b = r;
      for (let i = r + 1; i < r + c; i++) if (o[i]! > o[b]!) b = i;
      out.push(b - r);
    }
  });
  return out;
}

interface Scored { agreement: number; sqnrDb: number }

function score(ref: Float32Array[][], got: Float32Array[][], dims: readonly (readonly number[])[]): Scored {
  let same = 0; let n = 0; let signal = 0; let noise = 0;
  ref.forEach((r, s) => {
    const a = decisions(r, dims); const b = decisions(got[s]!, dims);
    a.forEach((x, i) => { if (x === b[i]) same++; n++; });
    r.forEach((o, k) => { for (let i = 0; i < o.length; i++) { signal += o[i]! ** 2; noise += (o[i]! - got[s]![k]![i]!) ** 2; } });
  });
  return { agreement: n ? same / n : 1, sqnrDb: noise === 0 ? Infinity : 10 * Math.log10(signal / noise) };
}

async function runAll(bytes: Uint8Array, g: TfliteGraph, samples: readonly Float32Array[][]): Promise<Float32Array[][]> {
  const session = await openTflite(bytes);
  try {
    const out: Float32Array[][] = [];
    for (const sample of samples) {
      const run = await session.run(g.inputs.map((t, i) => ({ dims: g.tensors[t]!.shape, data: sample[i]! })));
      if (run.errors.length) throw new Error(`LiteRT could not run a --keep-float auto candidate: ${run.errors.join('; ')}`);
      out.push(run.outputs.map((o) => o.data as Float32Array));
    }
    return out;
  } finally {
    session.close();
  }
}

export interface AutoOptions {
  minAgreement: number;
  /** most operators kept float, as a share of the candidates (default 1/4) */
  maxShare?: number;
  biasCorrection: boolean;
  /** check samples the sensitivity pass runs (default 8; 4 when measured by groups) */
  sensitivitySamples?: number;
  /** most candidates measured one by one; above it, by groups first (default PER_OPERATOR_MAX) */
  perOperatorMax?: number;
  /** by groups: most groups measured operator by operator (default MAX_REFINED_GROUPS) */
  maxRefinedGroups?: number;
  onProgress?: (msg: string) => void;
}

/**
 * `--keep-float auto` (see the file comment). `g` is the float graph before bias correction and is not
 * changed beyond its operators' versions (set to write it); `check` holds calibration samples the ranges were not measured on, in the graph's input layout.
 */
export async function chooseKeepFloat(g: TfliteGraph, ranges: ReadonlyMap<number, Range>, means: ElementMeans, check: readonly Float32Array[][], opts: AutoOptions): Promise<KeepFloatChoice> {
  const t0 = performance.now();
  const outDims = g.outputs.map((t) => g.tensors[t]!.shape);
  let tried = 0;
  const toMeasure: FloatReason = { code: 'kept-to-measure' };
  const build = (keep: ReadonlySet<number>) => {
    const c = cloneGraph(g);
    if (opts.biasCorrection) correctBiases(c, means, keep);
    const { graph } = quantizeInt8(c, ranges, { keep: new Map([...keep].map((i) => [i, toMeasure])) });
    tried++;
    return writeVersionedTflite(graph);
  };
  // the float model, written once (a transformer's is hundreds of MB): its runs on the check samples and on them rounded
  const floatBytes = writeVersionedTflite(g);
  const floatRuns = await runAll(floatBytes, g, check);
  const inputParams = activationParams(ranges.get(g.inputs[0]!)?.min ?? 0, ranges.get(g.inputs[0]!)?.max ?? 0);
  const rounded = check.map((sample) => sample.map((x, i) => {
    if (i !== 0) return x;
    const s = inputParams.scale[0]!; const z = inputParams.zeroPoint[0]!;
    return Float32Array.from(x, (v) => (Math.min(127, Math.max(-128, Math.round(v / s) + z)) - z) * s);
  }));
  const inputRounding = { agreement: score(floatRuns, await runAll(floatBytes, g, rounded), outDims).agreement };
  const allInt8 = score(floatRuns, await runAll(build(new Set()), g, check), outDims);
  const base: KeepFloatChoice = { mode: 'auto', kept: new Map(), target: opts.minAgreement, checkSamples: check.length, allInt8, inputRounding };
  const done = (c: Partial<KeepFloatChoice>): KeepFloatChoice => ({ ...base, ...c, modelsTried: tried, seconds: (performance.now() - t0) / 1000 });
  opts.onProgress?.(`--keep-float auto: all-int8 agreement ${allInt8.agreement.toFixed(3)} on ${check.length} check samples (target ${opts.minAgreement}), float model on int8-rounded inputs ${inputRounding.agreement.toFixed(3)}`);
  if (allInt8.agreement >= opts.minAgreement) return done({ chosen: allInt8, reached: true, candidates: 0 });

  // the candidates: operators whose int8 form adds error (not those that keep their input's params)
  const plan = quantizeInt8(cloneGraph(g), ranges).report.perOp;
  const candidates = g.operators.map((op, i) => i).filter((i) => plan[i]!.status === 'quantized' && INT8_RULES[g.operators[i]!.op]?.kind !== 'same');
  const grouped = candidates.length > (opts.perOperatorMax ?? PER_OPERATOR_MAX);
  const few = check.slice(0, Math.min(check.length, opts.sensitivitySamples ?? (grouped ? 4 : 8)));
  const fewRef = floatRuns.slice(0, few.length);
  const everyOp = g.operators.map((_, i) => i);
  // the output SQNR with only `ops` in int8: everything else float, so no other rounding mixes in
  const alone = async (ops: readonly number[]) => {
    const set = new Set(ops);
    return score(fewRef, await runAll(build(new Set(everyOp.filter((j) => !set.has(j)))), g, few), outDims).sqnrDb;
  };
  const sensitivity = new Sensitivity(candidates, grouped ? Math.ceil(Math.sqrt(candidates.length)) : 1, alone, (msg) => opts.onProgress?.(`--keep-float auto: ${msg}`),
    grouped ? opts.maxRefinedGroups ?? MAX_REFINED_GROUPS : Infinity);
  await sensitivity.measureGroups();
  const maxK = Math.max(1, Math.floor(candidates.length * (opts.maxShare ?? 0.25)));
  const tryK = async (k: number) => score(floatRuns, await runAll(build(new Set(await sensitivity.worst(k))), g, check), outDims);
  let lo = 0; let hi = 0; let hiScore: Scored | undefined; let last: Scored = allInt8;
  for (let k = 1; ; k = Math.min(maxK, k * 2)) {
    const s = await tryK(k);
    opts.onProgress?.(`--keep-float auto: ${k} operator(s) float: agreement ${s.agreement.toFixed(3)}, SQNR ${s.sqnrDb.toFixed(1)} dB`);
    last = s;
    if (s.agreement >= opts.minAgreement) { hi = k; hiScore = s; break; }
    lo = k;
    if (k === maxK) break;
  }
  const groups = () => (grouped ? { groups: { count: sensitivity.groupCount, refined: sensitivity.refinedGroups, sensitivitySamples: few.length } } : {});
  if (!hiScore) {
    return done({ reached: false, candidates: candidates.length, chosen: allInt8, atCap: { kept: maxK, ...last }, ...groups() });
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const s = await tryK(mid);
    if (s.agreement >= opts.minAgreement) { hi = mid; hiScore = s; } else lo = mid;
  }
  const chosen = hiScore;
  const kept = new Map((await sensitivity.worst(hi)).map((i, r): [number, FloatReason] => {
    // an operator of a group never measured singly carries its group's measurement
    const asGroup = sensitivity.groupOf(i);
    return [i, {
      code: 'kept-auto', damageDb: asGroup ? asGroup.sqnrDb : sensitivity.damage.get(i)!, ...(asGroup ? { groupSize: asGroup.size } : {}),
      rank: r + 1, candidates: candidates.length, kept: hi, checkSamples: check.length, agreement: chosen.agreement, allInt8Agreement: allInt8.agreement,
    }];
  }));
  return done({ kept, reached: true, candidates: candidates.length, chosen, ...groups() });
}

/** candidates above this many are measured by groups first (see the file comment) */
export const PER_OPERATOR_MAX = 96;
/** groups measured operator by operator at most (each costs a build and a run per member) */
export const MAX_REFINED_GROUPS = 4;

/**
 * Per-operator damage (output SQNR with only that operator in int8), measured as far as asked: with
 * groups of more than one operator, each group alone in int8 first; `worst(k)` then measures groups'
 * operators singly, worst group first, until k operators are known to be the k most damaging (each
 * measured under the SQNR of every group not yet measured singly, which bounds its members from below).
 * At most `maxRefined` groups are measured singly; past that, the operators of the other groups rank by
 * their group's SQNR (each keeps that group measurement as its reason: `groupOf`).
 */
export class Sensitivity {
  readonly damage = new Map<number, number>();
  private readonly groups: { ops: number[]; sqnrDb: number }[];
  private next = 0;

  constructor(candidates: readonly number[], groupSize: number, private readonly alone: (ops: readonly number[]) => Promise<number>,
    private readonly progress?: (msg: string) => void, private readonly maxRefined = Infinity) {
    this.groups = [];
    for (let i = 0; i < candidates.length; i += groupSize) this.groups.push({ ops: candidates.slice(i, i + groupSize), sqnrDb: -Infinity });
  }

  get groupCount(): number { return this.groups.length; }
  get refinedGroups(): number { return this.next; }

  /** the group measurement an operator not measured singly ranks by */
  groupOf(i: number): { size: number; sqnrDb: number } | undefined {
    if (this.damage.has(i)) return undefined;
    const grp = this.groups.find((x) => x.ops.includes(i));
    return grp && { size: grp.ops.length, sqnrDb: grp.sqnrDb };
  }

  /** each group's SQNR alone in int8, then the groups worst first (a single operator's group is its own measurement) */
  async measureGroups(): Promise<void> {
    let done = 0;
    for (const grp of this.groups) {
      grp.sqnrDb = await this.alone(grp.ops);
      if (grp.ops.length === 1) this.damage.set(grp.ops[0]!, grp.sqnrDb);
      if (++done % 25 === 0) this.progress?.(`sensitivity of ${done} of ${this.groups.length} ${this.groups.length === this.damage.size ? 'operators' : 'groups'}`);
    }
    this.groups.sort((a, b) => a.sqnrDb - b.sqnrDb);
    if (this.groups.every((grp) => grp.ops.length === 1)) this.next = this.groups.length;
  }

  /** the k most damaging operators, most damaging first */
  async worst(k: number): Promise<number[]> {
    for (;;) {
      const bound = this.next < this.groups.length ? this.groups[this.next]!.sqnrDb : Infinity;
      const sure = [...this.damage].filter(([, d]) => d < bound || bound === Infinity).sort((a, b) => a[1] - b[1]).map(([i]) => i);
      if (sure.length >= k || this.next >= this.groups.length) return sure.slice(0, k);
      if (this.next >= this.maxRefined) {
        // budget spent: the rest rank by their group's SQNR (a bound on each member's), graph order within a group
        const rest = this.groups.slice(this.next).flatMap((grp) => grp.ops.map((i) => [i, grp.sqnrDb] as const));
        const all = [...[...this.damage].filter(([i]) => !sure.includes(i)), ...rest].sort((a, b) => a[1] - b[1]).map(([i]) => i);
        return [...sure, ...all].slice(0, k);
      }
      const grp = this.groups[this.next++]!;
      for (const i of grp.ops) this.damage.set(i, grp.ops.length === 1 ? grp.sqnrDb : await this.alone([i]));
      this.progress?.(`group ${this.next} of ${this.groups.length} (${grp.sqnrDb.toFixed(1)} dB alone in int8) measured operator by operator`);
    }
  }
}
