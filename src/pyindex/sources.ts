// One project read from one of pip's sources, as pip reads it: an index (HTTP(S) with the JSON
// API or HTML, or a file:// folder of <project>/index.html pages) or a find-links location (a
// local folder of distribution files, or an HTML page of links). "Not there" is null, not an error.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { IndexFile } from '../lock/types.js';
import { normalizeName } from '../env/names.js';
import { IndexUnreachableError } from './errors.js';
import type { HttpClient } from './http.js';
import { isSimpleJson, parseSimpleHtml, parseSimpleJson, SIMPLE_ACCEPT, versionOfFile } from './simple.js';

export type Source =
  | { kind: 'index'; url: string }
  | { kind: 'find-links'; url: string };

/** The sources of a pip configuration, in pip's order: index-url, extra-index-urls, find-links. */
export function sourcesOf(config: { indexUrl: string; extraIndexUrls: string[]; findLinks: string[]; noIndex: boolean }): Source[] {
  const indexes = config.noIndex ? [] : [config.indexUrl, ...config.extraIndexUrls];
  return [
    ...indexes.map((url): Source => ({ kind: 'index', url: toUrl(url) })),
    ...config.findLinks.map((url): Source => ({ kind: 'find-links', url: toUrl(url) })),
  ];
}

/** A plain path becomes a file:// URL (pip accepts both). */
export function toUrl(location: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? location : pathToFileURL(location).toString();
}

/** Does reading this source touch the network (so the cache and --offline apply)? */
export function isRemote(source: Source): boolean {
  return !source.url.startsWith('file:');
}

/** The page pip asks for: <index>/<normalised-name>/ */
export function projectPageUrl(indexUrl: string, project: string): string {
  return `${indexUrl.replace(/\/+$/, '')}/${normalizeName(project)}/`;
}

/** The files `source` lists for `project`; null when the source does not have the project. */
export async function readSource(source: Source, project: string, http: HttpClient): Promise<IndexFile[] | null> {
  if (source.kind === 'index') {
    const page = projectPageUrl(source.url, project);
    return isRemote(source) ? readHttpPage(page, http) : readLocalIndexPage(page);
  }
  const files = isRemote(source) ? await readHttpPage(source.url, http) : await readLocalFindLinks(source.url);
  if (files === null) return null;
  const own = files.filter((f) => versionOfFile(f.filename, project) !== null);
  return own.length ? own : null;
}

async function readHttpPage(url: string, http: HttpClient): Promise<IndexFile[] | null> {
  const res = await http.get(url, { accept: SIMPLE_ACCEPT });
  if (res.status === 404 || res.status === 410) return null;
  if (res.status !== 200) throw new IndexUnreachableError(url, `HTTP ${res.status}`);
  const text = res.body.toString('utf8');
  try {
    return isSimpleJson(res.headers.get('content-type')) ? parseSimpleJson(text, res.url) : parseSimpleHtml(text, res.url);
  } catch (err) {
    throw new IndexUnreachableError(url, `unreadable project page: ${(err as Error).message}`);
  }
}

/** file:// index: pip reads <folder>/index.html of the project's folder; no folder means not there. */
async function readLocalIndexPage(pageUrl: string): Promise<IndexFile[] | null> {
  const page = new URL('index.html', pageUrl).toString();
  let html: string;
  try {
    html = await readFile(fileURLToPath(page), 'utf8');
  } catch (err) {
    if (isMissing(err)) return null;
    throw new IndexUnreachableError(page, (err as NodeJS.ErrnoException).code ?? String(err));
  }
  return parseSimpleHtml(html, page);
}

/** find-links on disk: a folder is listed (every file a candidate), a file is an HTML page of links. */
async function readLocalFindLinks(url: string): Promise<IndexFile[] | null> {
  const path = fileURLToPath(url);
  try {
    const st = await stat(path);
    if (st.isFile()) return parseSimpleHtml(await readFile(path, 'utf8'), url);
    const names = await readdir(path);
    return names.sort().map((filename) => ({
      filename,
      url: pathToFileURL(join(path, filename)).toString(),
      requiresPython: '',
      hasMetadata: false,
      yanked: false,
    }));
  } catch (err) {
    // pip warns and goes on when a find-links location is missing
    if (isMissing(err)) return null;
    throw new IndexUnreachableError(url, (err as NodeJS.ErrnoException).code ?? String(err));
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
