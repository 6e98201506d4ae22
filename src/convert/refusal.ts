/** The refusal of a conversion: every blocker at once, and the route that could take the model instead. */
import { blockerText } from '../report/refusal.js';
import { UserError } from '../util/errors.js';
import type { Blocker } from './ir.js';

export const DEFAULT_ROUTE = 'onnx2tf (ONNX -> TFLite through TensorFlow) or litert-torch (PyTorch -> TFLite without ONNX); run `tfdoctor check` to see which works in your environment';

export class ConversionRefused extends UserError {
  constructor(
    readonly model: string,
    readonly blockers: Blocker[],
    readonly suggestedRoute: string = DEFAULT_ROUTE,
  ) {
    const lines = blockers.map((b) => `  - ${blockerText(b)}`);
    super(`refusing to convert ${model}: ${blockers.length} blocker${blockers.length === 1 ? '' : 's'} (no .tflite written)\n${lines.join('\n')}`, `route that could take this model instead: ${suggestedRoute}`);
    this.name = 'ConversionRefused';
  }
}
