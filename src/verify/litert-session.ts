/**
 * A .tflite compiled once by LiteRT.js and run on many inputs (calibration runs hundreds of
 * samples; compiling per run would repack every weight each time). Same error handling as
 * runTflite: LiteRT's ERROR lines on stderr turn a run into a rejection.
 */
import type * as LiteRtJs from '@litertjs/core';
import { captureStderr, detailsOf, loadLiteRtNode, NOISE, SERIOUS, type TfliteDetails } from './litert.js';
import type { TensorArray, TensorValue } from './tensors.js';

export interface TfliteSession {
  inputs: TfliteDetails[];
  outputs: TfliteDetails[];
  run(inputs: readonly { dims: readonly number[]; data: TensorArray }[]): Promise<TensorValue[]>;
  close(): void;
}

export async function openTfliteSession(bytes: Uint8Array): Promise<TfliteSession> {
  const lite = await loadLiteRtNode();
  const compiled = await captureStderr(() => lite.loadAndCompile(bytes, { accelerator: 'wasm' }));
  if (compiled.error || !compiled.value) {
    const msg = compiled.error instanceof Error ? compiled.error.message : String(compiled.error);
    const serious = compiled.lines.filter((l) => SERIOUS.test(l) && !NOISE.test(l));
    throw new Error(`LiteRT.js could not load the model: ${msg}${serious.length ? ` (${serious.join('; ')})` : ''}`);
  }
  const model = compiled.value;
  const inputs = model.getInputDetails().map(detailsOf);
  const outputs = model.getOutputDetails().map(detailsOf);
  let closed = false;
  return {
    inputs,
    outputs,
    async run(given) {
      if (closed) throw new Error('the LiteRT session is closed');
      if (given.length !== inputs.length) throw new Error(`the model takes ${inputs.length} inputs, ${given.length} given`);
      const tensors: LiteRtJs.Tensor[] = [];
      try {
        for (const t of given) {
          if (!(t.data instanceof Float32Array || t.data instanceof Int32Array || t.data instanceof Uint8Array)) {
            throw new Error(`LiteRT.js cannot feed ${t.data.constructor.name} inputs (float32, int32, uint8 only)`);
          }
          tensors.push(new lite.Tensor(t.data as LiteRtJs.TypedArray, [...t.dims]));
        }
        const ran = await captureStderr(() => model.run(tensors));
        const errors = ran.lines.filter((l) => SERIOUS.test(l) && !NOISE.test(l));
        if (ran.error || !ran.value || errors.length) {
          throw new Error(`LiteRT.js run failed: ${errors.join('; ') || (ran.error instanceof Error ? ran.error.message : 'no outputs')}`);
        }
        return ran.value.map((t, i) => {
          tensors.push(t);
          const data = t.toTypedArray();
          return { name: outputs[i]?.name ?? `output_${i}`, dims: outputs[i]?.dims ?? [data.length], data: data.slice() as TensorArray };
        });
      } finally {
        for (const t of tensors) if (!t.deleted) t.delete();
      }
    },
    close() {
      if (!closed) model.delete();
      closed = true;
    },
  };
}
