/** The refusal of a conversion: every blocker at once, and the route that could take the model instead. */
import { UserError } from '../util/errors.js';
import type { Blocker } from './ir.js';

export const DEFAULT_ROUTE = 'onnx2tf (ONNX -> TFLite through TensorFlow) or litert-torch (PyTorch -> TFLite without ONNX); run `tfdoctor check` to see which works in your environment';

function describe(b: Blocker): string {
  const what = b.version ? `${b.op} v${b.version}` : b.op;
  return b.node ? `${what} (node '${b.node}'): ${b.reason}` : `${what}: ${b.reason}`;
}

export class ConversionRefused extends UserError {
  constructor(
    readonly model: string,
    readonly blockers: Blocker[],
    readonly suggestedRoute: string = DEFAULT_ROUTE,
  ) {
    const lines = blockers.map((b) => `  - ${describe(b)}`);
    super(`refusing to convert ${model}: ${blockers.length} blocker${blockers.length === 1 ? '' : 's'} (no .tflite written)\n${lines.join('\n')}`, `route that could take this model instead: ${suggestedRoute}`);
    this.name = 'ConversionRefused';
  }
}
