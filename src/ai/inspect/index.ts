/**
 * detente's inspection engine: finds secrets, PII, confidential terms, source code, prompt injection and
 * unsafe generated code in the text an AI gateway passes through, in one linear pass, and redacts and
 * restores values reversibly for one request. See README.md in this folder.
 */
export { createInspector, ROLE_GATES, type Inspector } from "./engine.js";
export { TextEdits, type EditLog, type OffsetSide } from "./edits.js";
export { createInspectionMemo, type InspectionMemo, type InspectionMemoOptions } from "./memo.js";
export { DEFAULT_LABELS, PII_TYPES, TEXT_ROLES, type Detector, type InspectorOptions } from "./options.js";
export {
  createRestoreStream,
  createVault,
  jsonStringContent,
  type RedactionVault,
  type RestoreStream,
} from "./redact.js";
export {
  createStreamInspector,
  inspectWhole,
  type StreamInspection,
  type StreamInspector,
} from "./stream.js";
export {
  DATA_CLASSES,
  isSourceCodeDetection,
  type DataClass,
  type Detection,
  type SourceCodeDetection,
  type TextRole,
} from "./types.js";
