// Loads the op-gap predictor (src/optables, helper-generated op tables) if this build has it.
// Kept dynamic so that check still runs, with an "op-gap prediction unavailable" info finding, without it.
import type { ExportGapPredictor } from './types.js';

export async function loadExportGapPredictor(): Promise<ExportGapPredictor | null> {
  const spec = '../optables/index.js';
  try {
    const mod = (await import(spec)) as { predictExportGaps?: ExportGapPredictor };
    return typeof mod.predictExportGaps === 'function' ? mod.predictExportGaps : null;
  } catch {
    return null;
  }
}
