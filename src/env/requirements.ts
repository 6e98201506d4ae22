// A planned environment from a requirements file or `pip freeze` output: exact pins become
// distributions, everything else is listed as unpinned. PEP 508 lines, markers evaluated for
// the planned Python and platform; pip's file options are understood or skipped.
import { readFile } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { UserError } from '../util/errors.js';
import type { Distribution, EnvSnapshot } from './types.js';
import { evaluateMarker, markerEnvironment, MarkerSyntaxError, type MarkerEnvironment, type PlannedPlatform } from './markers.js';
import { normalizeName } from './names.js';
import { currentPlatform, parsePythonVersion } from './target.js';
import { isValidVersion } from '../matrix/pep440.js';

export interface RequirementsOptions {
  /** "3.10" or "3.10.18" */
  pythonVersion: string;
  /** default: this machine */
  platform?: PlannedPlatform;
}

/** One parsed requirement line (PEP 508). */
export interface ParsedRequirement {
  name: string;
  extras: string[];
  /** comma-separated specifiers as written, '' when none */
  specifier: string;
  /** the `name @ url` target */
  url?: string;
  marker?: string;
}

type Unpinned = NonNullable<EnvSnapshot['unpinned']>[number];

export async function snapshotFromRequirements(file: string, opts: RequirementsOptions): Promise<EnvSnapshot> {
  parsePythonVersion(opts.pythonVersion);
  const platform = opts.platform ?? currentPlatform();
  const env = markerEnvironment(opts.pythonVersion, platform);
  const state: ReadState = { env, pins: new Map(), unpinned: [], visiting: [] };
  const root = resolve(file);
  await readRequirementsFile(root, state, null);
  const distributions: Record<string, Distribution> = {};
  for (const [name, pin] of state.pins) {
    distributions[name] = {
      name, displayName: pin.displayName, version: pin.version, installer: null, location: null, metadataDir: null,
      files: [], importPackages: [], requires: [], requiresPython: null,
    };
  }
  return {
    kind: 'requirements',
    source: file,
    python: { version: opts.pythonVersion, implementation: 'cpython', executable: '' },
    platform: { system: platform.system, machine: platform.machine },
    prefix: null,
    sitePackages: [],
    distributions,
    shadowed: [],
    envVars: {},
    planned: true,
    unpinned: state.unpinned,
  };
}

interface ReadState {
  env: MarkerEnvironment;
  pins: Map<string, { displayName: string; version: string; where: string }>;
  unpinned: Unpinned[];
  /** files being read, for cycle detection */
  visiting: string[];
}

async function readRequirementsFile(path: string, state: ReadState, from: string | null): Promise<void> {
  if (state.visiting.includes(path)) {
    throw new UserError(`${from}: -r ${path} includes itself (cycle: ${[...state.visiting, path].map((p) => basename(p)).join(' -> ')})`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new UserError(`requirements file ${path} ${what}${from ? ` (included from ${from})` : ''}`,
      from ? undefined : 'pass a requirements.txt or the output of `pip freeze` with --requirements FILE');
  }
  state.visiting.push(path);
  const label = displayPath(path);
  for (const { line, lineNo } of logicalLines(text)) {
    const where = `${label}:${lineNo}`;
    await readLine(line, lineNo, where, path, state);
  }
  state.visiting.pop();
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

/** Joins backslash continuations and drops comments, keeping the first line number of each logical line. */
function* logicalLines(text: string): Generator<{ line: string; lineNo: number }> {
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let buffer = '';
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    // pip: a comment starts at a # at the line start or after whitespace (not in url#egg=)
    const stripped = raw[i]!.replace(/(^|\s)#.*$/, '');
    if (!buffer) start = i + 1;
    if (stripped.endsWith('\\')) {
      buffer += stripped.slice(0, -1) + ' ';
      continue;
    }
    buffer += stripped;
    const line = buffer.trim();
    buffer = '';
    if (line) yield { line, lineNo: start };
  }
  if (buffer.trim()) yield { line: buffer.trim(), lineNo: start };
}

const INCLUDE = /^(?:-r|--requirement)(?:\s*=\s*|\s+|(?=[^\s-]))(.+)$/;
const EDITABLE = /^(?:-e|--editable)(?:\s*=\s*|\s+|(?=[^\s-]))(.+)$/;

async function readLine(line: string, lineNo: number, where: string, file: string, state: ReadState): Promise<void> {
  if (line.startsWith('-')) {
    const include = INCLUDE.exec(line);
    if (include) {
      const target = include[1]!.trim();
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
        throw new UserError(`${where}: -r ${target}: only local requirement files can be read`);
      }
      await readRequirementsFile(resolve(dirname(file), target), state, where);
      return;
    }
    const editable = EDITABLE.exec(line);
    if (editable) {
      const target = editable[1]!.trim();
      state.unpinned.push({ name: nameOfTarget(target), specifier: `-e ${target}`, line: lineNo, file: displayPath(file) });
      return;
    }
    return; // -c, --index-url, --hash, --pre, -f ...: they change where pip looks, not what is installed
  }
  // per-requirement options (--hash=..., --config-settings ...) follow the requirement
  const requirementText = line.replace(/\s+--?[A-Za-z][\s\S]*$/, '').trim();
  if (isPathOrUrl(requirementText)) {
    const wheel = wheelPin(requirementText);
    if (wheel) recordPin(wheel.name, wheel.displayName, wheel.version, where, state);
    else state.unpinned.push({ name: nameOfTarget(requirementText), specifier: requirementText, line: lineNo, file: displayPath(file) });
    return;
  }
  let req: ParsedRequirement;
  try {
    req = parseRequirement(requirementText);
  } catch (err) {
    if (err instanceof RequirementSyntaxError || err instanceof MarkerSyntaxError) throw new UserError(`${where}: ${err.message}`);
    throw err;
  }
  if (req.marker !== undefined) {
    let applies: boolean;
    try {
      applies = evaluateMarker(req.marker, state.env);
    } catch (err) {
      if (err instanceof MarkerSyntaxError) throw new UserError(`${where}: ${err.message}`);
      throw err;
    }
    if (!applies) return;
  }
  const name = normalizeName(req.name);
  if (req.url !== undefined) {
    state.unpinned.push({ name, specifier: `@ ${req.url}`, line: lineNo, file: displayPath(file) });
    return;
  }
  const pin = exactPin(req.specifier, where);
  if (pin !== null) recordPin(name, req.name, pin, where, state);
  else state.unpinned.push({ name, specifier: req.specifier, line: lineNo, file: displayPath(file) });
}

function recordPin(name: string, displayName: string, version: string, where: string, state: ReadState): void {
  const earlier = state.pins.get(name);
  if (earlier && earlier.version !== version) {
    throw new UserError(`${where}: ${displayName} is pinned to ${version} but ${earlier.where} pins it to ${earlier.version}`);
  }
  if (!earlier) state.pins.set(name, { displayName, version, where });
}

/** The version an exact pin (== without wildcard, or ===) fixes; null for a range. Validates every version. */
function exactPin(specifier: string, where: string): string | null {
  if (!specifier) return null;
  let pin: string | null = null;
  for (const part of specifier.split(',')) {
    const m = /^\s*(===|==|!=|<=|>=|~=|<|>)\s*(\S+)\s*$/.exec(part);
    if (!m) throw new UserError(`${where}: "${part.trim()}" is not a version specifier`);
    const [, op, version] = m as unknown as [string, string, string];
    if (op === '===') { pin = version; continue; }
    const wildcard = version.endsWith('.*');
    if (wildcard && op !== '==' && op !== '!=') throw new UserError(`${where}: "${op}${version}": a wildcard is only allowed with == and !=`);
    const bare = wildcard ? version.slice(0, -2) : version;
    if (!isValidVersion(bare)) throw new UserError(`${where}: "${version}" is not a valid PEP 440 version`);
    if (op === '==' && !wildcard) pin = version;
  }
  return pin;
}

function isPathOrUrl(text: string): boolean {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@/.test(text)) return false; // name @ url
  return /^(\.{1,2}[/\\]|[/\\~]|[a-z][a-z0-9+.-]*:\/\/|[A-Za-z]:[/\\])/i.test(text) || /\.(whl|tar\.gz|zip|tar\.bz2)$/i.test(text);
}

/** name, version from a wheel filename (name-version(-build)?-py-abi-platform.whl). */
function wheelPin(target: string): { name: string; displayName: string; version: string } | null {
  const file = basename(target.split(/[?#]/)[0]!);
  const m = /^([^-]+)-([^-]+)(?:-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$/.exec(file);
  if (!m || !isValidVersion(m[2]!)) return null;
  return { name: normalizeName(m[1]!), displayName: m[1]!, version: m[2]! };
}

/** A name for an editable / path / URL line: #egg=NAME, else the last path component. */
function nameOfTarget(target: string): string {
  const egg = /[#&]egg=([A-Za-z0-9._-]+)/.exec(target);
  if (egg) return normalizeName(egg[1]!);
  const last = target.split(/[?#]/)[0]!.replace(/[/\\]+$/, '').split(/[/\\]/).at(-1) ?? target;
  return normalizeName(last.replace(/\.git$/, '').replace(/\.(whl|tar\.gz|zip|tar\.bz2)$/, '') || target);
}

export class RequirementSyntaxError extends Error {}

/** Parses one PEP 508 requirement: name [extras] (specifiers | @ url) [; marker]. */
export function parseRequirement(text: string): ParsedRequirement {
  const nameMatch = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/.exec(text);
  if (!nameMatch) throw new RequirementSyntaxError(`"${text}" does not start with a package name`);
  const name = nameMatch[1]!;
  let rest = text.slice(nameMatch[0].length);
  let extras: string[] = [];
  const extrasMatch = /^\s*\[([^\]]*)\]/.exec(rest);
  if (rest.trimStart().startsWith('[')) {
    if (!extrasMatch) throw new RequirementSyntaxError(`unclosed "[" in "${text}"`);
    extras = extrasMatch[1]!.split(',').map((e) => e.trim()).filter(Boolean);
    for (const e of extras) if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(e)) throw new RequirementSyntaxError(`bad extra "${e}" in "${text}"`);
    rest = rest.slice(extrasMatch[0].length);
  }
  rest = rest.trim();
  if (rest.startsWith('@')) {
    // PEP 508: the URL ends at whitespace; a marker follows as " ; marker"
    const m = /^@\s*(\S+)(?:\s+;\s*(.*))?$/.exec(rest);
    if (!m || m[1]!.startsWith(';')) throw new RequirementSyntaxError(`"${text}": "@" must be followed by a URL`);
    return { name, extras, specifier: '', url: m[1]!, ...(m[2] !== undefined ? { marker: nonEmptyMarker(m[2], text) } : {}) };
  }
  let marker: string | undefined;
  const semi = rest.indexOf(';');
  if (semi !== -1) {
    marker = nonEmptyMarker(rest.slice(semi + 1), text);
    rest = rest.slice(0, semi).trim();
  }
  if (rest.startsWith('(')) {
    if (!rest.endsWith(')')) throw new RequirementSyntaxError(`unclosed "(" in "${text}"`);
    rest = rest.slice(1, -1).trim();
  }
  if (rest && !/^(===|==|!=|<=|>=|~=|<|>)/.test(rest)) {
    throw new RequirementSyntaxError(`unexpected "${rest}" after "${name}" (expected a version specifier like ==1.2, an @ URL or a ; marker)`);
  }
  const clauses = rest ? rest.split(',').map((c) => c.trim()) : [];
  for (const clause of clauses) {
    if (!/^(===|==|!=|<=|>=|~=|<|>)\s*[^\s<>=!~,;()]+$/.test(clause)) {
      throw new RequirementSyntaxError(`"${clause}" is not a version specifier (an operator ==, !=, <=, >=, <, >, ~=, === and a version)`);
    }
  }
  const specifier = clauses.map((c) => c.replace(/\s+/g, '')).join(',');
  return { name, extras, specifier, ...(marker !== undefined ? { marker } : {}) };
}

function nonEmptyMarker(marker: string, text: string): string {
  const m = marker.trim();
  if (!m) throw new RequirementSyntaxError(`empty marker after ";" in "${text}"`);
  return m;
}
