// The on-disk cache of index facts under <tfdoctor cache>/index/: project pages per (source URL,
// project) with a time-to-live, and release metadata per file URL (a published file never changes,
// so its metadata never expires). Writes are atomic (temp file + rename); a cache that cannot be
// written only costs speed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { writeAtomic } from '../util/atomic-write.js';
import { dirname, join } from 'node:path';
import type { IndexRelease } from '../lock/types.js';
import { redactUrl } from './errors.js';
import type { CoreMetadata } from './metadata.js';

/** Bump when the stored shape changes: older entries are then ignored. */
const FORMAT = 2;

export interface CachedProject {
  format: number;
  /** the source URL, credentials redacted (the file's path is keyed by the full URL) */
  source: string;
  project: string;
  fetchedAt: number;
  /** the source's files grouped into releases (grouped once, when fetched); null: the source does not have the project */
  releases: IndexRelease[] | null;
}

interface CachedMetadata {
  format: number;
  url: string;
  metadata: CoreMetadata;
}

export interface IndexCacheOptions {
  /** the index cache folder (e.g. <cacheDir()>/index) */
  dir: string;
  ttlMs: number;
  now?: () => number;
}

export class IndexCache {
  private readonly now: () => number;

  constructor(private readonly options: IndexCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get dir(): string {
    return this.options.dir;
  }

  async project(source: string, project: string): Promise<CachedProject | undefined> {
    const entry = await readJson<CachedProject>(this.projectPath(source, project));
    return entry && entry.format === FORMAT && entry.source === redactUrl(source) && entry.project === project ? entry : undefined;
  }

  isFresh(entry: CachedProject): boolean {
    const age = this.now() - entry.fetchedAt;
    return age >= 0 && age < this.options.ttlMs;
  }

  async putProject(source: string, project: string, releases: IndexRelease[] | null): Promise<void> {
    const entry: CachedProject = { format: FORMAT, source: redactUrl(source), project, fetchedAt: this.now(), releases };
    await writeJsonAtomic(this.projectPath(source, project), entry);
  }

  async metadata(fileUrl: string): Promise<CoreMetadata | undefined> {
    const entry = await readJson<CachedMetadata>(this.metadataPath(fileUrl));
    return entry && entry.format === FORMAT && entry.url === fileUrl ? entry.metadata : undefined;
  }

  async putMetadata(fileUrl: string, metadata: CoreMetadata): Promise<void> {
    await writeJsonAtomic(this.metadataPath(fileUrl), { format: FORMAT, url: fileUrl, metadata } satisfies CachedMetadata);
  }

  private projectPath(source: string, project: string): string {
    return join(this.options.dir, 'projects', hash(source).slice(0, 16), `${project}.json`);
  }

  private metadataPath(fileUrl: string): string {
    const h = hash(fileUrl);
    return join(this.options.dir, 'metadata', h.slice(0, 2), `${h.slice(2, 34)}.json`);
  }
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeAtomic(path, JSON.stringify(value));
  } catch {
    // an unwritable cache only costs speed
  }
}
