// Loads the patch catalogue (patches/<dist><range>/<id>.yaml + <id>.diff) and validates it:
// a malformed or inconsistent entry is a UserError naming file:line and what is wrong.
// sync reads: a few small files on every check, where each async read costs event-loop round trips
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { isValidSpecifier } from '../matrix/pep440.js';
import type { Document, Node } from 'yaml';
import { normalizeName } from '../env/names.js';
import { cacheKey, readCached, writeCached, yaml } from '../util/parsed-cache.js';
import { UserError } from '../util/errors.js';
import { packagePath } from '../util/package-root.js';
import { DiffError, diffTarget, parseUnifiedDiff } from './diff.js';
import type { Catalogue, PatchEvidence, PatchFileSpec, PatchSpec } from './types.js';

/** The catalogue shipped with tfdoctor; TFDOCTOR_PATCHES_DIR points elsewhere (tests, patch authors). */
export function defaultCatalogueRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TFDOCTOR_PATCHES_DIR) return env.TFDOCTOR_PATCHES_DIR;
  return packagePath('patches') + sep;
}

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SHA = /^[0-9a-f]{64}$/;

/** Bumped whenever PatchSpec's shape changes, so stale caches are never read. */
const PARSED_FORMAT = 2;

/**
 * Reads every <id>.yaml under root (one folder level) with its <id>.diff. `check` loads the
 * catalogue on every run, so the validated result is cached as JSON keyed by the files' content.
 */
export async function loadCatalogue(root: string = defaultCatalogueRoot()): Promise<Catalogue> {
  let folders: string[];
  try {
    folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { root, patches: [] };
    throw err;
  }
  const entries: { yamlPath: string; yamlText: string; diffPath: string; diffText: string }[] = [];
  for (const folder of folders) {
    const names = readdirSync(join(root, folder)).sort();
    for (const name of names) {
      if (!name.endsWith('.yaml') && !name.endsWith('.yml')) continue;
      const yamlPath = join(root, folder, name);
      const diffPath = join(root, folder, `${name.replace(/\.ya?ml$/, '')}.diff`);
      entries.push({ yamlPath, yamlText: readFileSync(yamlPath, 'utf8'), diffPath, diffText: readDiff(diffPath, yamlPath) });
    }
  }
  const key = cacheKey('patches', [String(PARSED_FORMAT), root, ...entries.flatMap((e) => [e.yamlPath, e.yamlText, e.diffText])]);
  const cached = readCached<Catalogue>(key);
  if (cached) return cached;
  const patches = entries.map((e) => parsePatch(e.yamlText, e.yamlPath, e.diffText, e.diffPath));
  const catalogue = { root, patches: orderByRequires(patches, root) };
  writeCached(key, catalogue);
  return catalogue;
}

function readDiff(diffPath: string, yamlPath: string): string {
  try {
    return readFileSync(diffPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`${yamlPath}: its diff ${basename(diffPath)} is missing`, 'every <id>.yaml in patches/ needs an <id>.diff beside it');
    }
    throw err;
  }
}

/** Validates one entry; exported for tests and patch authors. */
export function parsePatch(yamlText: string, yamlPath: string, diffText: string, diffPath: string): PatchSpec {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(yamlText, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => `${yamlPath}:${offset === undefined ? 1 : lc.linePos(offset).line}`;
  const firstError = doc.errors[0];
  if (firstError) {
    throw new UserError(`${at(firstError.pos[0])}: malformed YAML: ${firstError.message.split('\n')[0]}`);
  }
  if (!yaml().isMap(doc.contents)) throw new UserError(`${at(0)}: a patch file must be a YAML mapping`);
  const field = new FieldReader(doc, at);

  const id = field.string('id');
  if (!ID.test(id)) field.fail('id', `id "${id}" must be kebab-case (a-z, 0-9, -)`);
  const expectedFile = basename(yamlPath).replace(/\.ya?ml$/, '');
  if (id !== expectedFile) field.fail('id', `id "${id}" must match the file name "${expectedFile}"`);
  const distribution = normalizeName(field.string('distribution'));
  const versions = field.string('versions');
  if (!isValidSpecifier(versions)) field.fail('versions', `versions "${versions}" is not a PEP 440 specifier`);
  const title = field.string('title');
  const fixes = field.stringList('fixes', true);
  const requires = field.stringList('requires', false);
  const evidence = field.list('evidence', true).map((item, i): PatchEvidence => {
    const kind = item?.kind;
    const ref = item?.ref;
    if (typeof kind !== 'string' || typeof ref !== 'string') field.fail(['evidence', i], 'each evidence entry needs kind and ref strings');
    return { kind: kind as string, ref: ref as string };
  });
  const provenBy = doc.has('proven_by') ? field.string('proven_by') : null;
  const addsHandlers = field.handlerVersions('adds_handlers');
  const files = field.list('files', true).map((item, i): PatchFileSpec => {
    const path = item?.path;
    if (typeof path !== 'string' || path === '') field.fail(['files', i], 'each file needs a path');
    if ((path as string).startsWith('/') || (path as string).split('/').includes('..')) {
      field.fail(['files', i, 'path'], `path ${path} must be relative to the distribution's location, without ..`);
    }
    const hash = (key: string): string | null => {
      const v = item?.[key];
      if (v === null) return null;
      if (typeof v !== 'string' || !SHA.test(v)) field.fail(['files', i, key], `${key} must be a lowercase sha256 hex digest or null`);
      return v as string;
    };
    if (!(item && 'original_sha256' in item) || !('patched_sha256' in item)) {
      field.fail(['files', i], 'each file needs original_sha256 and patched_sha256 (null for a created / deleted file)');
    }
    const spec = { path: path as string, originalSha256: hash('original_sha256'), patchedSha256: hash('patched_sha256') };
    if (spec.originalSha256 === null && spec.patchedSha256 === null) field.fail(['files', i], 'original and patched hash cannot both be null');
    return spec;
  });
  const paths = files.map((f) => f.path);
  const dup = paths.find((p, i) => paths.indexOf(p) !== i);
  if (dup) field.fail('files', `file ${dup} is listed twice`);

  let diff;
  try {
    diff = parseUnifiedDiff(diffText);
  } catch (err) {
    if (err instanceof DiffError) throw new UserError(`${diffPath}:${err.line ?? 1}: malformed diff: ${err.message.replace(/^line \d+: /, '')}`);
    throw err;
  }
  const diffPaths = diff.map(diffTarget);
  const missingInDiff = paths.filter((p) => !diffPaths.includes(p));
  const extraInDiff = diffPaths.filter((p) => !paths.includes(p));
  if (missingInDiff.length || extraInDiff.length || diffPaths.length !== paths.length) {
    throw new UserError(`${diffPath}: the diff's files do not match ${basename(yamlPath)}'s files list`
      + (missingInDiff.length ? `; not in the diff: ${missingInDiff.join(', ')}` : '')
      + (extraInDiff.length ? `; not in files: ${extraInDiff.join(', ')}` : '')
      + (!missingInDiff.length && !extraInDiff.length ? '; a file appears twice in the diff' : ''));
  }
  for (const f of diff) {
    const spec = files.find((s) => s.path === diffTarget(f))!;
    if ((f.oldPath === null) !== (spec.originalSha256 === null)) {
      throw new UserError(`${diffPath}: ${spec.path}: the diff ${f.oldPath === null ? 'creates' : 'edits'} it but original_sha256 is ${spec.originalSha256 === null ? 'null' : 'set'}`);
    }
    if ((f.newPath === null) !== (spec.patchedSha256 === null)) {
      throw new UserError(`${diffPath}: ${spec.path}: the diff ${f.newPath === null ? 'deletes' : 'keeps'} it but patched_sha256 is ${spec.patchedSha256 === null ? 'null' : 'set'}`);
    }
  }
  // the diff in the order of `files`, so every consumer walks one list
  const ordered = files.map((s) => diff.find((f) => diffTarget(f) === s.path)!);
  return { id, distribution, versions, title, fixes, requires, evidence, provenBy, addsHandlers, files, diff: ordered, yamlPath, diffPath };
}

/** Typed access to top-level fields with file:line errors. */
class FieldReader {
  constructor(private readonly doc: Document, private readonly at: (offset: number | undefined) => string) {}

  fail(path: string | (string | number)[], message: string): never {
    const keys = Array.isArray(path) ? path : [path];
    let node: unknown;
    for (let n = keys.length; n > 0 && !node; n--) node = this.doc.getIn(keys.slice(0, n), true);
    const offset = (node as Node | undefined)?.range?.[0] ?? (this.doc.contents as Node | null)?.range?.[0];
    throw new UserError(`${this.at(offset)}: ${message}`);
  }

  private value(key: string): unknown {
    if (!this.doc.has(key)) this.fail(key, `missing field "${key}"`);
    return this.doc.get(key);
  }

  string(key: string): string {
    const v = this.value(key);
    if (typeof v !== 'string' || v.trim() === '') this.fail(key, `"${key}" must be a non-empty string`);
    return v as string;
  }

  stringList(key: string, required: boolean): string[] {
    if (!this.doc.has(key)) {
      if (required) this.fail(key, `missing field "${key}"`);
      return [];
    }
    const node = this.doc.get(key, true);
    const js = this.doc.toJS()[key] as unknown;
    if (!yaml().isSeq(node) && js !== null) this.fail(key, `"${key}" must be a list of strings`);
    const list = (js ?? []) as unknown[];
    if (!list.every((x) => typeof x === 'string' && x !== '')) this.fail(key, `"${key}" must be a list of strings`);
    if (required && list.length === 0) this.fail(key, `"${key}" must list at least one entry`);
    return list as string[];
  }

  /** Optional `{Op: [version, ...]}`: onnx-tf handler versions a patch adds (the op-gap prediction counts them). */
  handlerVersions(key: string): Record<string, number[]> {
    if (!this.doc.has(key)) return {};
    const js = this.doc.toJS()[key] as unknown;
    if (!js || typeof js !== 'object' || Array.isArray(js)) this.fail(key, `"${key}" must map op names to lists of versions`);
    for (const [op, versions] of Object.entries(js as Record<string, unknown>)) {
      if (!Array.isArray(versions) || versions.length === 0 || !versions.every((v) => Number.isInteger(v) && v > 0)) {
        this.fail([key, op], `"${key}.${op}" must be a non-empty list of positive integers (ONNX since_versions)`);
      }
    }
    return js as Record<string, number[]>;
  }

  list(key: string, required: boolean): Record<string, unknown>[] {
    if (!required && !this.doc.has(key)) return [];
    const node = this.value(key) && this.doc.get(key, true);
    if (!yaml().isSeq(node)) this.fail(key, `"${key}" must be a list`);
    const list = this.doc.toJS()[key] as unknown[];
    if (required && list.length === 0) this.fail(key, `"${key}" must list at least one entry`);
    return list.map((x) => (x && typeof x === 'object' ? x as Record<string, unknown> : null)) as Record<string, unknown>[];
  }
}

/** Checks ids are unique and `requires` names known patches without cycles; returns a dependency order. */
function orderByRequires(patches: PatchSpec[], root: string): PatchSpec[] {
  const byId = new Map<string, PatchSpec>();
  for (const p of patches) {
    const other = byId.get(p.id);
    if (other) throw new UserError(`patch id "${p.id}" is defined twice: ${relative(root, other.yamlPath)} and ${relative(root, p.yamlPath)}`);
    byId.set(p.id, p);
  }
  for (const p of patches) {
    for (const r of p.requires) {
      if (!byId.has(r)) throw new UserError(`${p.yamlPath}: requires unknown patch "${r}"`);
    }
  }
  const out: PatchSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (p: PatchSpec, chain: string[]) => {
    const s = state.get(p.id);
    if (s === 'done') return;
    if (s === 'visiting') throw new UserError(`${p.yamlPath}: requires forms a cycle: ${[...chain, p.id].join(' -> ')}`);
    state.set(p.id, 'visiting');
    for (const r of p.requires) visit(byId.get(r)!, [...chain, p.id]);
    state.set(p.id, 'done');
    out.push(p);
  };
  for (const p of patches) visit(p, []);
  return out;
}
