// IndexFacts from the sources the target's pip is configured for, through the on-disk cache.
// Local sources (file:// indexes, find-links folders) are read live; remote ones come from the
// cache while fresh, else from the network (a stale entry stands in when the network fails);
// --offline answers only from the cache and names what is missing.
import { join } from 'node:path';
import type { IndexFacts, IndexProject, IndexRelease, ReleaseMetadata, Target } from '../lock/types.js';
import { normalizeName } from '../env/names.js';
import { compareVersions, normalizeVersion } from '../matrix/pep440.js';
import { cacheDir as defaultCacheDir } from '../util/cache-dir.js';
import { IndexCache } from './cache.js';
import { IndexMissError, IndexUnreachableError, redactUrl } from './errors.js';
import { createHttpClient, type HttpClient } from './http.js';
import { chooseMetadataFile, parseCoreMetadata, readWheelMetadataText, type CoreMetadata } from './metadata.js';
import { indexConfigFrom, envConfigValues, readPipConfig, type PipIndexConfig } from './pip-config.js';
import { groupReleases, mergeReleases } from './simple.js';
import { isRemote, readSource, sourcesOf, type Source } from './sources.js';

export const DEFAULT_TTL_MS = 24 * 3600 * 1000;

export interface IndexFactsOptions {
  /** the interpreter whose pip settings apply (`<python> -m pip config list`); default: PIP_* variables only */
  python?: string;
  /** the settings themselves (instead of asking `python`'s pip) */
  config?: PipIndexConfig;
  /** answer only from the cache; a miss throws IndexMissError */
  offline?: boolean;
  /** how long a cached project page stays fresh; default 24 h */
  ttlMs?: number;
  /** tfdoctor's cache folder (the index cache is its index/ folder); default cacheDir() */
  cacheDir?: string;
  /** metadata is read from a wheel this target can install, when the release has one */
  target?: Target;
  /** per HTTP request; default 30 s */
  timeoutMs?: number;
  /** parallel HTTP requests; default 8 */
  concurrency?: number;
  env?: NodeJS.ProcessEnv;
}

export interface IndexStats {
  /** HTTP requests sent */
  requests: number;
  /** remote project pages and metadata answered by the cache */
  cacheHits: number;
  /** remote sources that failed, answered by a stale cache entry instead */
  staleFallbacks: string[];
}

export interface PyIndexFacts extends IndexFacts {
  readonly config: PipIndexConfig;
  readonly sources: readonly Source[];
  /** reads many projects at once (bounded parallel); --offline: one IndexMissError naming every missing project */
  prefetch(names: readonly string[]): Promise<void>;
  stats(): IndexStats;
}

export async function createIndexFacts(options: IndexFactsOptions = {}): Promise<PyIndexFacts> {
  const env = options.env ?? process.env;
  const config = options.config
    ?? (options.python ? await readPipConfig(options.python, { env }) : indexConfigFrom(envConfigValues(env), env));
  const http = createHttpClient({ timeoutMs: options.timeoutMs, concurrency: options.concurrency, proxy: config.proxy, cert: config.cert, env });
  const cache = new IndexCache({ dir: join(options.cacheDir ?? defaultCacheDir(env), 'index'), ttlMs: options.ttlMs ?? DEFAULT_TTL_MS });
  const sources = sourcesOf(config);
  for (const s of sources) if (isRemote(s)) http.rememberCredentials(s.url);
  return new CachedIndexFacts(config, sources, http, cache, !!options.offline, options.target);
}

class CachedIndexFacts implements PyIndexFacts {
  private readonly projects = new Map<string, Promise<IndexProject | null>>();
  private readonly metadatas = new Map<string, Promise<ReleaseMetadata | null>>();
  private cacheHits = 0;
  private readonly staleFallbacks: string[] = [];

  constructor(
    readonly config: PipIndexConfig,
    readonly sources: readonly Source[],
    private readonly http: HttpClient,
    private readonly cache: IndexCache,
    private readonly offline: boolean,
    private readonly target: Target | undefined,
  ) {}

  stats(): IndexStats {
    return { requests: this.http.requests, cacheHits: this.cacheHits, staleFallbacks: [...this.staleFallbacks] };
  }

  project(name: string): Promise<IndexProject | null> {
    const key = normalizeName(name);
    let p = this.projects.get(key);
    if (!p) {
      p = this.readProject(key);
      // a failure is not remembered: the next call tries again
      p.catch(() => this.projects.delete(key));
      this.projects.set(key, p);
    }
    return p;
  }

  async prefetch(names: readonly string[]): Promise<void> {
    const results = await Promise.allSettled(names.map((n) => this.project(n)));
    const missing = results.flatMap((r) => (r.status === 'rejected' && r.reason instanceof IndexMissError ? r.reason.missing : []));
    if (missing.length) throw new IndexMissError(missing);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  metadata(name: string, version: string): Promise<ReleaseMetadata | null> {
    const key = `${normalizeName(name)}==${normalizeVersion(version) ?? version}`;
    let p = this.metadatas.get(key);
    if (!p) {
      p = this.readMetadata(normalizeName(name), normalizeVersion(version) ?? version);
      p.catch(() => this.metadatas.delete(key));
      this.metadatas.set(key, p);
    }
    return p;
  }

  private async readProject(name: string): Promise<IndexProject | null> {
    const answers = await Promise.all(this.sources.map((s) => this.readFromSource(s, name)));
    const found = answers.flatMap((a, i) => (a?.length ? [{ releases: a, source: this.sources[i]!.url }] : []));
    if (!found.length) return null;
    return { name, releases: mergeReleases(found.map((f) => f.releases)), sources: found.map((f) => redactUrl(f.source)) };
  }

  /** The source's releases of `name`; null when it does not have the project. */
  private async readFromSource(source: Source, name: string): Promise<IndexRelease[] | null> {
    const fetch = async (): Promise<IndexRelease[] | null> => {
      const files = await readSource(source, name, this.http);
      return files === null ? null : groupReleases(name, files);
    };
    if (!isRemote(source)) return fetch();
    const cached = await this.cache.project(source.url, name);
    if (cached && (this.offline || this.cache.isFresh(cached))) {
      this.cacheHits++;
      return cached.releases;
    }
    if (this.offline) throw new IndexMissError([name]);
    try {
      const releases = await fetch();
      await this.cache.putProject(source.url, name, releases);
      return releases;
    } catch (err) {
      if (err instanceof IndexUnreachableError && cached) {
        this.staleFallbacks.push(`${redactUrl(source.url)} (${name})`);
        return cached.releases;
      }
      throw err;
    }
  }

  private async readMetadata(name: string, version: string): Promise<ReleaseMetadata | null> {
    const project = await this.project(name);
    // PEP 440 equality: '0.9' names release 0.9.0
    const release = project?.releases.find((r) => r.version === version) ?? project?.releases.find((r) => compareVersions(r.version, version) === 0);
    if (!release) return null;
    const file = chooseMetadataFile(release, this.target);
    if (!file) return null;
    let core: CoreMetadata | undefined;
    if (file.url.startsWith('file:')) {
      core = parseCoreMetadata(await readWheelMetadataText(file, this.http));
    } else {
      core = await this.cache.metadata(file.url);
      if (core) this.cacheHits++;
      else {
        if (this.offline) throw new IndexMissError([`${name}==${version} (metadata)`]);
        core = parseCoreMetadata(await readWheelMetadataText(file, this.http));
        await this.cache.putMetadata(file.url, core);
      }
    }
    return { name, version, requiresPython: core.requiresPython, requiresDist: core.requiresDist, from: file.url };
  }
}
