// Loads the op-gap predictor (src/optables, helper-generated op tables) if this build has it.
// Imported lazily (the tables load only when a check needs predictions); check still runs, with an
// "op-gap prediction unavailable" info finding, if it cannot load.
import type { ExportGapPredictor } from './types.js';

export async function loadExportGapPredictor(): Promise<ExportGapPredictor | null> {
  try {
    const mod = (await import('../optables/index.js')) as { predictExportGaps?: ExportGapPredictor };
    return typeof mod.predictExportGaps === 'function' ? mod.predictExportGaps : null;
  } catch {
    return null;
  }
}
