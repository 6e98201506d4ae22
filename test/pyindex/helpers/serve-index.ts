// A real HTTP server over the committed fixture index (test/fixtures/pyindex), answering as an
// index does: project pages in PEP 691 JSON or PEP 503 HTML by the Accept header, files with byte
// ranges (RFC 9110), 404 for what is not there. Options switch off JSON, PEP 658 or ranges.
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

export const fixtureRoot = join(import.meta.dirname, '..', '..', 'fixtures', 'pyindex');

export interface ServeOptions {
  /** answer JSON to a JSON Accept header; default true */
  json?: boolean;
  /** serve <file>.metadata and advertise it; default true */
  metadata?: boolean;
  /** honour Range headers; default true */
  ranges?: boolean;
  /** wait before answering */
  delayMs?: number;
  /** require HTTP basic auth with these "user:password" credentials (401 otherwise) */
  auth?: string;
  /** serve HTTPS with this key and certificate (PEM) */
  tls?: { key: Buffer; cert: Buffer };
}

export interface ServedIndex {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function serveIndex(options: ServeOptions = {}): Promise<ServedIndex> {
  const requests: string[] = [];
  const handler: Parameters<typeof createServer>[1] = (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(`${req.method} ${path}${req.headers.range ? ` ${req.headers.range}` : ''}`);
    const answer = (): void => {
      if (options.auth && req.headers.authorization !== `Basic ${Buffer.from(options.auth).toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="index"' }).end('unauthorized');
        return;
      }
      const project = /^\/simple\/([^/]+)\/$/.exec(path);
      if (project) {
        const dir = join(fixtureRoot, 'simple', project[1]!);
        const wantsJson = (req.headers.accept ?? '').includes('application/vnd.pypi.simple.v1+json');
        if (options.json !== false && wantsJson && existsSync(join(dir, 'index.json'))) {
          let text = readFileSync(join(dir, 'index.json'), 'utf8');
          if (options.metadata === false) text = text.replace(/"(core|dist-info)-metadata": \{[^}]*\}, /g, '');
          res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(text);
          return;
        }
        if (existsSync(join(dir, 'index.html'))) {
          let text = readFileSync(join(dir, 'index.html'), 'utf8');
          if (options.metadata === false) text = text.replace(/ data-(core|dist-info)-metadata="[^"]*"/g, '');
          res.writeHead(200, { 'content-type': 'text/html' }).end(text);
          return;
        }
        res.writeHead(404).end('not found');
        return;
      }
      const file = join(fixtureRoot, normalize(path));
      if (!file.startsWith(fixtureRoot) || !existsSync(file) || !statSync(file).isFile() || (options.metadata === false && file.endsWith('.metadata'))) {
        res.writeHead(404).end('not found');
        return;
      }
      const body = readFileSync(file);
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (range && options.ranges !== false) {
        const start = range[1] === '' ? Math.max(0, body.length - Number(range[2])) : Number(range[1]);
        const end = range[1] === '' || range[2] === '' ? body.length - 1 : Math.min(Number(range[2]), body.length - 1);
        res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-type': 'application/octet-stream' }).end(body.subarray(start, end + 1));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    };
    if (options.delayMs) setTimeout(answer, options.delayMs);
    else answer();
  };
  const server: Server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
