// GET over HTTP(S) for the index readers: a timeout per request that really aborts it, a bound on
// parallel requests, the target pip's proxy (undici, loaded only when a proxy is set), and a count
// of requests made (the cache tests and the CLI's --offline promise rest on it).
import { readFile } from 'node:fs/promises';
import { IndexUnreachableError, redactUrl } from './errors.js';
import { createLimiter, type Limiter } from './limit.js';

export interface HttpResponse {
  status: number;
  url: string;
  headers: Headers;
  body: Buffer;
}

export interface HttpGetOptions {
  accept?: string;
  /** inclusive byte range; `start` < 0 asks for the last -start bytes */
  range?: { start: number; end?: number };
}

export interface HttpClient {
  get(url: string, options?: HttpGetOptions): Promise<HttpResponse>;
  /** requests sent so far */
  readonly requests: number;
  /** the credentials in an index URL (user:token@host) go with every request to that host */
  rememberCredentials(url: string): void;
}

export interface HttpClientOptions {
  /** per request, headers and body; default 30 s */
  timeoutMs?: number;
  /** parallel requests; default 8 */
  concurrency?: number;
  /** proxy URL (pip's `proxy`); else HTTPS_PROXY / HTTP_PROXY from `env` */
  proxy?: string | null;
  /** pip's `cert` (a CA bundle): trusted when Node's own CA store rejects a server's certificate */
  cert?: string | null;
  env?: NodeJS.ProcessEnv;
}

type FetchFn = (url: string, init: Record<string, unknown>) => Promise<Response>;

/** The proxy a request would take: pip's own setting first, then the usual environment variables. */
export function proxyFromEnv(env: NodeJS.ProcessEnv): string | null {
  return env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || null;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const limit: Limiter = createLimiter(options.concurrency ?? 8);
  const env = options.env ?? process.env;
  const proxy = options.proxy || proxyFromEnv(env);
  const proxyEnv = options.proxy ? null : env;
  let fetchFn: Promise<FetchFn> | null = null;
  // Node's fetch uses its own CA store; pip's CA bundle is loaded (with undici) only once a server's certificate is not trusted
  let usePipCert = false;
  let requests = 0;
  const credentials = new Map<string, string>();

  const getFetch = (): Promise<FetchFn> => {
    fetchFn ??= proxy || usePipCert
      ? undiciFetch({ proxy, proxyEnv, ca: usePipCert ? options.cert! : null })
      : Promise.resolve(globalThis.fetch as unknown as FetchFn);
    return fetchFn;
  };

  return {
    get requests() {
      return requests;
    },
    rememberCredentials: (url) => {
      splitCredentials(url, credentials);
    },
    get: (rawUrl, opts = {}) => limit(async () => {
      const { url, authorization } = splitCredentials(rawUrl, credentials);
      const headers: Record<string, string> = { 'user-agent': 'tfdoctor (pip-compatible index reader)' };
      if (authorization) headers.authorization = authorization;
      if (opts.accept) headers.accept = opts.accept;
      if (opts.range) headers.range = opts.range.start < 0 ? `bytes=${opts.range.start}` : `bytes=${opts.range.start}-${opts.range.end ?? ''}`;
      const once = async (f: FetchFn): Promise<HttpResponse> => {
        requests++;
        const res = await f(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
        const body = Buffer.from(await res.arrayBuffer());
        return { status: res.status, url: res.url || url, headers: res.headers, body };
      };
      const usedPipCert = usePipCert;
      try {
        return await once(await getFetch());
      } catch (err) {
        // parallel requests may all fail before the first switches: each retries once with pip's cert
        if (options.cert && !usedPipCert && TLS_TRUST_ERRORS.has(causeCode(err) ?? '')) {
          if (!usePipCert) {
            usePipCert = true;
            fetchFn = null;
          }
          try {
            return await once(await getFetch());
          } catch (retryErr) {
            throw new IndexUnreachableError(rawUrl, `${describeFetchError(retryErr, timeoutMs, proxy)}, also with pip's cert ${options.cert}`);
          }
        }
        throw new IndexUnreachableError(rawUrl, describeFetchError(err, timeoutMs, proxy));
      }
    }),
  };
}

/** The part of undici used here. */
interface UndiciModule {
  fetch(url: string, init: unknown): Promise<Response>;
  Agent: new (options: object) => object;
  ProxyAgent: new (options: object) => object;
  EnvHttpProxyAgent: new (options: object) => object;
}

const TLS_TRUST_ERRORS = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_UNTRUSTED']);

function causeCode(err: unknown): string | undefined {
  return (err as { cause?: { code?: string } })?.cause?.code;
}

/**
 * undici's fetch with a dispatcher: through the proxy (EnvHttpProxyAgent honours NO_PROXY when the
 * proxy came from the environment), trusting pip's CA bundle when `ca` is given.
 */
async function undiciFetch(o: { proxy: string | null; proxyEnv: NodeJS.ProcessEnv | null; ca: string | null }): Promise<FetchFn> {
  let undici: UndiciModule;
  try {
    // a variable specifier keeps undici an optional, lazily loaded dependency (and out of the type check)
    const specifier = 'undici';
    undici = (await import(specifier)) as UndiciModule;
  } catch {
    throw new IndexUnreachableError(o.proxy ?? 'https', `${o.proxy ? 'a proxy' : "pip's cert"} is configured but the undici package is not installed (npm install undici)`);
  }
  let tls: { ca: Buffer } | undefined;
  if (o.ca) {
    try {
      tls = { ca: await readFile(o.ca) };
    } catch (err) {
      throw new IndexUnreachableError(o.ca, `pip's cert cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  const tlsOptions = tls ? { connect: tls, requestTls: tls, proxyTls: tls } : {};
  let dispatcher: object;
  if (!o.proxy) dispatcher = new undici.Agent(tlsOptions);
  else if (o.proxyEnv) {
    const env = o.proxyEnv;
    dispatcher = new undici.EnvHttpProxyAgent({ httpsProxy: o.proxy, httpProxy: env.HTTP_PROXY || env.http_proxy || o.proxy, noProxy: env.NO_PROXY || env.no_proxy || '', ...tlsOptions });
  } else dispatcher = new undici.ProxyAgent({ uri: o.proxy, ...tlsOptions });
  return (url: string, init: Record<string, unknown>) => undici.fetch(url, { ...init, dispatcher });
}

function describeFetchError(err: unknown, timeoutMs: number, proxy: string | null): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const via = proxy ? ` (via proxy ${redactUrl(proxy)})` : '';
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s${via}`;
  const code = e?.cause?.code;
  const words = code ? FETCH_ERROR_WORDS[code] : undefined;
  const cause = words ? `${words} (${code})` : code ?? e?.cause?.message ?? e?.message ?? String(err);
  return `${cause}${via}`;
}

const FETCH_ERROR_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted (self-signed in chain)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted (self-signed)',
};

/**
 * An index URL with credentials (https://user:token@host/simple, as pip accepts): fetch refuses
 * such URLs, so they go in an Authorization header, remembered per host for the files it lists
 * (pip does the same per netloc).
 */
function splitCredentials(url: string, known: Map<string, string>): { url: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (u.username || u.password) {
    const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    known.set(u.host, authorization);
    u.username = '';
    u.password = '';
    return { url: u.toString(), authorization };
  }
  const authorization = known.get(u.host);
  return authorization ? { url, authorization } : { url };
}
