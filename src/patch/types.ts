// The shapes the patch engine passes around: a catalogue entry as loaded from patches/, and
// the plan computed for one environment.
import type { FileDiff } from './diff.js';

export interface PatchFileSpec {
  /** relative to the distribution's location, as written in its RECORD */
  path: string;
  /** null: the patch creates the file */
  originalSha256: string | null;
  /** null: the patch deletes the file */
  patchedSha256: string | null;
}

export interface PatchEvidence {
  kind: string;
  ref: string;
}

export interface PatchSpec {
  id: string;
  /** PEP 503-normalised distribution name */
  distribution: string;
  /** PEP 440 specifier, e.g. "==1.10.0" */
  versions: string;
  title: string;
  fixes: string[];
  requires: string[];
  evidence: PatchEvidence[];
  provenBy: string | null;
  /** onnx-tf handler versions the patch adds, op -> since_versions (YAML `adds_handlers`) */
  addsHandlers: Record<string, number[]>;
  files: PatchFileSpec[];
  /** the parsed diff, one section per file, in the order of `files` */
  diff: FileDiff[];
  yamlPath: string;
  diffPath: string;
}

export interface Catalogue {
  root: string;
  /** in dependency order: every patch comes after the patches it requires */
  patches: PatchSpec[];
}

/** What to do with one file of a patch in one environment. */
export type FileAction =
  | 'apply' // current bytes are the original: write the patched bytes
  | 'already-applied' // current bytes are the patched bytes
  | 'conflict' // neither: refused unless --force
  | 'missing'; // the file the patch expects is not there (and it is not a created file)

export interface FilePlan {
  path: string;
  absPath: string;
  action: FileAction;
  /** sha256 of the bytes on disk now (null: absent) */
  currentSha256: string | null;
  expectedOriginal: string | null;
  expectedPatched: string | null;
  /** for 'apply' (and forced conflicts): the bytes to write; null = delete */
  newContent?: Buffer | null;
  /** set when a --force overrides a conflict */
  forced?: boolean;
}

export type PatchDecision =
  | 'apply' // at least one file to write, none blocking
  | 'already-applied' // every file already patched
  | 'skip' // not relevant to this env (distribution absent, version out of range)
  | 'blocked'; // a conflict, a missing file, a broken diff or a blocked requirement

export interface PatchPlan {
  id: string;
  spec: PatchSpec;
  decision: PatchDecision;
  /** why skipped / blocked, one line */
  reason?: string;
  distributionVersion?: string;
  location?: string;
  /** the distribution belongs to conda (conda-meta), so `conda doctor` will see the patched files as altered */
  condaOwned?: boolean;
  files: FilePlan[];
}
