// Op coverage: onnx op histories, onnx-tf 1.10.0 handler versions, and torch's default export.
export { resolveSinceVersion, onnxTfGaps, onnxMaxOpset, onnxTfResolutionOpset, type OpVersion } from './coverage.js';
export { predictExportGaps, torchExportRow, type ExportGapPrediction } from './exportGaps.js';
export { parseTorchExport, torchExportRows, type TorchExportRow } from './torchExport.js';
export { onnxSchemas, onnxTfHandlers, torchExportOps, generatedDir } from './tables.js';
