// The simple repository API's two page formats, parsed to index files: PEP 691 JSON and PEP 503
// HTML (with PEP 592 yanked, data-requires-python, and PEP 658 / 714 metadata attributes), plus
// the grouping of files into releases by their PEP 440-normalised version.
import type { IndexFile, IndexRelease } from '../lock/types.js';
import { normalizeName } from '../env/names.js';
import { normalizeVersion, sortVersions } from '../matrix/pep440.js';
import { parseSdistFilename, parseWheelFilename } from './tags.js';

/** The Accept header pip sends: JSON first, HTML as the fallback. */
export const SIMPLE_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';

export function isSimpleJson(contentType: string | null): boolean {
  return !!contentType && contentType.split(';')[0]!.trim().toLowerCase() === 'application/vnd.pypi.simple.v1+json';
}

/** PEP 691 project page. `pageUrl` resolves relative file URLs. */
export function parseSimpleJson(text: string, pageUrl: string): IndexFile[] {
  const page = JSON.parse(text) as { files?: unknown };
  if (!Array.isArray(page.files)) throw new Error('not a PEP 691 project page (no "files" list)');
  const files: IndexFile[] = [];
  for (const raw of page.files as Array<Record<string, unknown>>) {
    if (typeof raw.filename !== 'string' || typeof raw.url !== 'string') continue;
    const { url, sha256: fragmentHash } = splitHashFragment(new URL(raw.url, pageUrl).toString());
    const hashes = raw.hashes as Record<string, unknown> | undefined;
    const meta = raw['core-metadata'] ?? raw['dist-info-metadata'];
    const file: IndexFile = {
      filename: raw.filename,
      url,
      requiresPython: typeof raw['requires-python'] === 'string' ? raw['requires-python'] : '',
      hasMetadata: meta === true || (typeof meta === 'object' && meta !== null),
      yanked: raw.yanked === true || typeof raw.yanked === 'string',
    };
    const sha256 = typeof hashes?.sha256 === 'string' ? hashes.sha256 : fragmentHash;
    if (sha256) file.sha256 = sha256;
    files.push(file);
  }
  return files;
}

const ANCHOR = /<a\s([^>]*)>([\s\S]*?)<\/a\s*>/gi;
const ATTRIBUTE = /([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** PEP 503 project page (or a find-links HTML page): every anchor is a file. */
export function parseSimpleHtml(html: string, pageUrl: string): IndexFile[] {
  const base = /<base\s[^>]*href\s*=\s*["']([^"']+)["']/i.exec(html)?.[1];
  const baseUrl = base ? new URL(decodeEntities(base), pageUrl).toString() : pageUrl;
  const files: IndexFile[] = [];
  for (const m of html.matchAll(ANCHOR)) {
    const attrs = parseAttributes(m[1]!);
    const href = attrs.get('href');
    if (!href) continue;
    const { url, sha256 } = splitHashFragment(new URL(href, baseUrl).toString());
    const filename = filenameOfUrl(url);
    if (!filename) continue;
    const meta = attrs.get('data-core-metadata') ?? attrs.get('data-dist-info-metadata');
    const file: IndexFile = {
      filename,
      url,
      requiresPython: attrs.get('data-requires-python') ?? '',
      hasMetadata: meta !== undefined && meta.toLowerCase() !== 'false',
      yanked: attrs.has('data-yanked'),
    };
    if (sha256) file.sha256 = sha256;
    files.push(file);
  }
  return files;
}

function parseAttributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of text.matchAll(ATTRIBUTE)) attrs.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  return attrs;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return NAMED_ENTITIES[e.toLowerCase()] ?? whole;
  });
}

/** "…/x.whl#sha256=ab" -> url without the fragment, and the hash when it is sha256. */
function splitHashFragment(url: string): { url: string; sha256?: string } {
  const i = url.indexOf('#');
  if (i < 0) return { url };
  const m = /^sha256=([0-9a-f]{64})$/i.exec(url.slice(i + 1));
  return m ? { url: url.slice(0, i), sha256: m[1]!.toLowerCase() } : { url: url.slice(0, i) };
}

/** The last path segment, percent-decoded: what pip takes as the file's name. */
export function filenameOfUrl(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const last = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** The normalised version of a distribution file of `project`; null when the file is not one of its wheels / sdists or the version is invalid. */
export function versionOfFile(filename: string, project: string): string | null {
  const raw = rawVersionOfFile(filename, normalizeName(project));
  return raw === null ? null : normalizeVersion(raw);
}

/** The version as the filename spells it (a wheel's '_' read back as '-'), for a normalised project name. */
function rawVersionOfFile(filename: string, name: string): string | null {
  const wheel = parseWheelFilename(filename);
  if (wheel) return wheel.name === name ? wheel.version.replace(/_/g, '-') : null;
  return parseSdistFilename(filename, name)?.version ?? null;
}

/**
 * Files of `project` grouped into releases, newest first. Files of other projects (a find-links
 * folder holds many) and files with invalid versions are left out, as pip leaves them out. The
 * same file (by filename) from two sources is kept once, from the first source.
 */
export function groupReleases(project: string, files: readonly IndexFile[]): IndexRelease[] {
  const name = normalizeName(project);
  const byVersion = new Map<string, IndexFile[]>();
  const seen = new Set<string>();
  // files of one release share the raw version string: normalise each string once
  const normalised = new Map<string, string | null>();
  for (const f of files) {
    if (seen.has(f.filename)) continue;
    const raw = rawVersionOfFile(f.filename, name);
    if (raw === null) continue;
    let version = normalised.get(raw);
    if (version === undefined) {
      version = normalizeVersion(raw);
      normalised.set(raw, version);
    }
    if (version === null) continue;
    seen.add(f.filename);
    const list = byVersion.get(version) ?? [];
    list.push(f);
    byVersion.set(version, list);
  }
  return sortVersions([...byVersion.keys()], 'desc').map((version) => ({ version, files: byVersion.get(version)! }));
}

/** Releases from several sources as one list, newest first: files of the same version joined, a filename seen before (from an earlier source) left out. */
export function mergeReleases(perSource: ReadonlyArray<readonly IndexRelease[]>): IndexRelease[] {
  const byVersion = new Map<string, IndexFile[]>();
  const seen = new Set<string>();
  for (const releases of perSource) {
    for (const r of releases) {
      const list = byVersion.get(r.version) ?? [];
      for (const f of r.files) {
        if (seen.has(f.filename)) continue;
        seen.add(f.filename);
        list.push(f);
      }
      if (list.length) byVersion.set(r.version, list);
    }
  }
  return sortVersions([...byVersion.keys()], 'desc').map((version) => ({ version, files: byVersion.get(version)! }));
}
