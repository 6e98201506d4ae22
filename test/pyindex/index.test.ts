// IndexFacts end to end over the fixture index: as a file:// index and find-links folder, and
// served over real HTTP (JSON or HTML pages, PEP 658 or byte ranges), through the on-disk cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createIndexFacts, type IndexFactsOptions } from '../../src/pyindex/index.js';
import { IndexMissError, IndexUnreachableError } from '../../src/pyindex/errors.js';
import type { PipIndexConfig } from '../../src/pyindex/pip-config.js';
import { describeError } from '../../src/util/errors.js';
import { fixtureRoot, serveIndex, type ServedIndex } from './helpers/serve-index.js';

const work = mkdtempSync(join(tmpdir(), 'tfdoctor-pyindex-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const freshCache = (): string => join(work, `cache-${n++}`);

function config(over: Partial<PipIndexConfig>): PipIndexConfig {
  return { indexUrl: 'https://unused.invalid/simple', extraIndexUrls: [], findLinks: [], noIndex: false, proxy: null, cert: null, ...over };
}

const servers: ServedIndex[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function served(options: Parameters<typeof serveIndex>[0] = {}): Promise<ServedIndex> {
  const s = await serveIndex(options);
  servers.push(s);
  return s;
}

const EXPECTED_100 = ['numpy<2,>=1.26', 'tf-keras==2.19.0; python_version < "3.12"', 'onnx>=1.16; extra == "onnx"'];
const EXPECTED_090 = ['numpy>=1.21', 'tf-keras==2.19.0; python_version < "3.12"', 'onnx>=1.16; extra == "onnx"'];

describe('local sources (read live, no network)', () => {
  it('file:// index: releases, yanked flag, metadata from the PEP 658 file and from the zip', async () => {
    const facts = await createIndexFacts({ config: config({ noIndex: false, indexUrl: pathToFileURL(join(fixtureRoot, 'simple')).toString() }), cacheDir: freshCache() });
    const p = await facts.project('TFDoctor_Fixture');
    expect(p?.name).toBe('tfdoctor-fixture');
    expect(p?.releases.map((r) => [r.version, r.files.map((f) => f.yanked)])).toEqual([['1.0.0', [false]], ['0.9.0', [true]]]);
    expect((await facts.metadata('tfdoctor-fixture', '1.0.0'))?.requiresDist).toEqual(EXPECTED_100);
    const m090 = await facts.metadata('tfdoctor-fixture', '0.9');
    expect(m090?.requiresDist).toEqual(EXPECTED_090);
    expect(m090?.from).toMatch(/tfdoctor_fixture-0\.9\.0-py3-none-any\.whl$/);
    expect(await facts.project('numpy')).toBeNull();
    expect(await facts.metadata('tfdoctor-fixture', '3.0')).toBeNull();
    expect(facts.stats().requests).toBe(0);
  });

  it('find-links folder: versions from wheel filenames, other files ignored', async () => {
    const facts = await createIndexFacts({ config: config({ noIndex: true, findLinks: [join(fixtureRoot, 'files')] }), cacheDir: freshCache() });
    const p = await facts.project('tfdoctor-fixture');
    expect(p?.sources).toEqual([pathToFileURL(join(fixtureRoot, 'files')).toString()]);
    expect(p?.releases.map((r) => r.version)).toEqual(['1.0.0', '0.9.0']);
    expect(p?.releases.every((r) => r.files.length === 1 && !r.files[0]!.hasMetadata)).toBe(true);
    expect((await facts.metadata('tfdoctor-fixture', '1.0.0'))?.requiresDist).toEqual(EXPECTED_100);
  });

  it('a missing find-links folder is not there, as for pip', async () => {
    const facts = await createIndexFacts({ config: config({ noIndex: true, findLinks: [join(work, 'nope')] }), cacheDir: freshCache() });
    expect(await facts.project('tfdoctor-fixture')).toBeNull();
  });
});

describe('an HTTP index', () => {
  const over = async (s: ServedIndex, extra: Partial<IndexFactsOptions> = {}) =>
    createIndexFacts({ config: config({ indexUrl: `${s.url}/simple` }), timeoutMs: 5_000, ...extra });

  it('PEP 691 JSON with PEP 658 metadata: one request per page and per metadata file', async () => {
    const s = await served();
    const facts = await over(s, { cacheDir: freshCache() });
    const p = await facts.project('tfdoctor-fixture');
    expect(p?.releases.map((r) => r.version)).toEqual(['1.0.0', '0.9.0']);
    expect(p?.releases[0]?.files[0]).toMatchObject({ hasMetadata: true, requiresPython: '>=3.9', url: `${s.url}/files/tfdoctor_fixture-1.0.0-py3-none-any.whl` });
    expect((await facts.metadata('tfdoctor-fixture', '1.0.0'))?.requiresDist).toEqual(EXPECTED_100);
    expect(s.requests).toEqual(['GET /simple/tfdoctor-fixture/', 'GET /files/tfdoctor_fixture-1.0.0-py3-none-any.whl.metadata']);
  });

  it('HTML only, no PEP 658: the same releases; METADATA read with byte ranges, not the whole wheel', async () => {
    const s = await served({ json: false, metadata: false });
    const facts = await over(s, { cacheDir: freshCache() });
    const p = await facts.project('tfdoctor-fixture');
    expect(p?.releases.map((r) => [r.version, r.files[0]!.hasMetadata, r.files[0]!.yanked])).toEqual([['1.0.0', false, false], ['0.9.0', false, true]]);
    expect((await facts.metadata('tfdoctor-fixture', '1.0.0'))?.requiresDist).toEqual(EXPECTED_100);
    const fileRequests = s.requests.filter((r) => r.includes('/files/'));
    expect(fileRequests.length).toBeGreaterThan(0);
    expect(fileRequests.every((r) => / bytes=/.test(r))).toBe(true);
  });

  it('a server without byte ranges and without PEP 658: a clear error naming the file', async () => {
    const s = await served({ metadata: false, ranges: false });
    const facts = await over(s, { cacheDir: freshCache() });
    await expect(facts.metadata('tfdoctor-fixture', '1.0.0')).rejects.toThrow(/cannot read package metadata from http:.*tfdoctor_fixture-1\.0\.0.*does not serve byte ranges/);
  });

  it('404 for a project means "not on this index"', async () => {
    const s = await served();
    const facts = await over(s, { cacheDir: freshCache() });
    expect(await facts.project('tensorflow-addons')).toBeNull();
  });

  it('the cache answers a second run with no request; TTL 0 asks again', async () => {
    const s = await served();
    const cacheDir = freshCache();
    const first = await over(s, { cacheDir });
    await first.project('tfdoctor-fixture');
    await first.metadata('tfdoctor-fixture', '1.0.0');
    await first.project('absent-project');
    const sent = s.requests.length;
    expect(sent).toBe(3);

    const second = await over(s, { cacheDir });
    expect((await second.project('tfdoctor-fixture'))?.releases).toHaveLength(2);
    expect((await second.metadata('tfdoctor-fixture', '1.0.0'))?.requiresDist).toEqual(EXPECTED_100);
    expect(await second.project('absent-project')).toBeNull();
    expect(second.stats()).toMatchObject({ requests: 0, cacheHits: 3 });
    expect(s.requests.length).toBe(sent);

    const expired = await over(s, { cacheDir, ttlMs: 0 });
    await expired.project('tfdoctor-fixture');
    await expired.metadata('tfdoctor-fixture', '1.0.0');
    // the page again; the metadata of a published file never expires
    expect(s.requests.slice(sent)).toEqual(['GET /simple/tfdoctor-fixture/']);
  });

  it('--offline answers from the cache even when stale, and names every missing project', async () => {
    const s = await served();
    const cacheDir = freshCache();
    const online = await over(s, { cacheDir });
    await online.project('tfdoctor-fixture');
    await s.close();

    const offline = await over(s, { cacheDir, offline: true, ttlMs: 0 });
    expect((await offline.project('tfdoctor-fixture'))?.releases).toHaveLength(2);
    await expect(offline.metadata('tfdoctor-fixture', '1.0.0')).rejects.toThrow(IndexMissError);
    const err = await offline.prefetch(['tfdoctor-fixture', 'tensorflow-addons', 'onnx-tf']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexMissError);
    expect((err as IndexMissError).missing).toEqual(['tensorflow-addons', 'onnx-tf']);
    expect(describeError(err)).toBe('--offline: not cached: tensorflow-addons, onnx-tf\n  hint: run once without --offline to fill the index cache');
    expect(offline.stats().requests).toBe(0);
  });

  it('an unreachable index is one line naming the URL; a stale cache entry stands in when there is one', async () => {
    const s = await served();
    const cacheDir = freshCache();
    await (await over(s, { cacheDir })).project('tfdoctor-fixture');
    await s.close();

    const facts = await over(s, { cacheDir: freshCache() });
    const err = await facts.project('tfdoctor-fixture').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexUnreachableError);
    // refused, or a pooled keep-alive connection found closed
    expect((err as Error).message).toMatch(new RegExp(`^package index unreachable: ${s.url}/simple/tfdoctor-fixture/: connection (refused \\(ECONNREFUSED\\)|closed by the server \\(UND_ERR_SOCKET\\))$`));

    const stale = await over(s, { cacheDir, ttlMs: 0 });
    expect((await stale.project('tfdoctor-fixture'))?.releases).toHaveLength(2);
    expect(stale.stats().staleFallbacks).toEqual([`${s.url}/simple (tfdoctor-fixture)`]);
  });

  it('a server that does not answer in time: the request is aborted at the timeout', async () => {
    const s = await served({ delayMs: 3_000 });
    const facts = await over(s, { cacheDir: freshCache(), timeoutMs: 300 });
    const started = Date.now();
    await expect(facts.project('tfdoctor-fixture')).rejects.toThrow(`package index unreachable: ${s.url}/simple/tfdoctor-fixture/: no answer within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('sources merge: the HTTP index, a file:// index and a find-links folder', async () => {
    const s = await served();
    const facts = await createIndexFacts({
      config: config({ indexUrl: `${s.url}/simple`, extraIndexUrls: [pathToFileURL(join(fixtureRoot, 'simple')).toString()], findLinks: [join(fixtureRoot, 'files')] }),
      cacheDir: freshCache(),
    });
    const p = await facts.project('tfdoctor-fixture');
    expect(p?.sources).toHaveLength(3);
    // the same file from three sources is kept once, from the first source
    expect(p?.releases.map((r) => r.files.map((f) => f.url.slice(0, 4)))).toEqual([['http'], ['http']]);
  });
});

const undiciPresent = await import('undici' as string).then(() => true, () => false);
describe.skipIf(!undiciPresent)('through a proxy (skipped: the undici package is not installed)', () => {
  it("pip's proxy setting routes every request through the proxy", async () => {
    const s = await served();
    const { createServer } = await import('node:http');
    const { connect } = await import('node:net');
    const seen: string[] = [];
    // a real forwarding proxy: CONNECT tunnels, and absolute-URI requests forwarded
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const target = new URL(req.url!);
      const up = connect(Number(target.port), target.hostname, () => {
        up.write(`${req.method} ${target.pathname}${target.search} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nconnection: close\r\n\r\n`);
        req.pipe(up);
        up.pipe(res.socket!);
      });
    });
    proxy.on('connect', (req, socket, head) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, port] = req.url!.split(':') as [string, string];
      const up = connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket).pipe(up);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    try {
      const facts = await createIndexFacts({ config: config({ indexUrl: `${s.url}/simple`, proxy: `http://127.0.0.1:${port}` }), cacheDir: freshCache(), env: {} });
      expect((await facts.metadata('tfdoctor-fixture', '1.0.0'))?.requiresDist).toEqual(EXPECTED_100);
      // undici tunnels with CONNECT, one connection reused for both requests
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.includes(new URL(s.url).host))).toBe(true);
      expect(s.requests).toHaveLength(2);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});

describe("pip's cert (a CA bundle) for an HTTPS index with a private CA", () => {
  it('Node refuses the self-signed certificate; with pip\'s cert it is trusted (undici, loaded then)', async () => {
    const dir = join(work, 'tls');
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync, readFileSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const s = await served({ tls: { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) } });

    const plain = await createIndexFacts({ config: config({ indexUrl: `${s.url}/simple` }), cacheDir: freshCache(), env: {} });
    await expect(plain.project('tfdoctor-fixture')).rejects.toThrow(`package index unreachable: ${s.url}/simple/tfdoctor-fixture/: TLS certificate not trusted (self-signed) (DEPTH_ZERO_SELF_SIGNED_CERT)`);
    expect(s.requests).toHaveLength(0);

    if (!undiciPresent) return;
    const withCert = await createIndexFacts({ config: config({ indexUrl: `${s.url}/simple`, cert: join(dir, 'cert.pem') }), cacheDir: freshCache(), env: {} });
    expect((await withCert.metadata('tfdoctor-fixture', '1.0.0'))?.requiresDist).toEqual(EXPECTED_100);
    expect(s.requests).toHaveLength(2);
  });
});

describe('an index URL with credentials (https://user:token@host/simple)', () => {
  it('sends them as basic auth to that host (pages and files, warm cache too) and keeps them out of evidence, errors and the cache', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const s = await served({ auth: 'ci:s3cret-token' });
    const withAuth = s.url.replace('http://', 'http://ci:s3cret-token@');
    const cacheDir = freshCache();
    const facts = await createIndexFacts({ config: config({ indexUrl: `${withAuth}/simple` }), cacheDir, env: {} });
    const p = await facts.project('tfdoctor-fixture');
    expect(p?.sources).toEqual([`${s.url.replace('http://', 'http://***@')}/simple`]);
    expect(p?.releases[0]?.files[0]?.url).toBe(`${s.url}/files/tfdoctor_fixture-1.0.0-py3-none-any.whl`);

    // a new reader: the page from the cache, the metadata file fetched with the remembered credentials
    const warm = await createIndexFacts({ config: config({ indexUrl: `${withAuth}/simple` }), cacheDir, env: {} });
    expect((await warm.metadata('tfdoctor-fixture', '1.0.0'))?.requiresDist).toEqual(EXPECTED_100);
    expect(s.requests).toEqual(['GET /simple/tfdoctor-fixture/', 'GET /files/tfdoctor_fixture-1.0.0-py3-none-any.whl.metadata']);

    const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
    for (const f of walk(cacheDir)) expect(readFileSync(f, 'utf8')).not.toContain('s3cret');

    const wrong = await createIndexFacts({ config: config({ indexUrl: `${s.url.replace('http://', 'http://ci:wrong@')}/simple` }), cacheDir: freshCache(), env: {} });
    const err = await wrong.project('tfdoctor-fixture').catch((e: unknown) => e);
    expect((err as Error).message).toBe(`package index unreachable: ${s.url.replace('http://', 'http://***@')}/simple/tfdoctor-fixture/: HTTP 401`);
  });
});
