import { createServer } from 'node:net';

/** A local port that was just listened on and closed: refused at once, whatever this machine runs on port 9 (discard). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}
