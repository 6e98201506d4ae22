// `tfdoctor lock` against an index nobody answers on (the built CLI): one line naming the URL, a hint, exit 2,
// and no stack trace. The index is the target pip's own configuration (PIP_INDEX_URL), pointed at a local
// port that was just closed, so the refusal is real and does not depend on this machine's network.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { closedPort } from '../closed-port.js';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist/tfdoctor.cjs');


describe('lock with an unreachable index', () => {
  it('is one line naming the index, a hint, exit 2', async () => {
    const port = await closedPort();
    const cache = mkdtempSync(join(tmpdir(), 'tfd-lock-unreachable-'));
    try {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FORCE_COLOR'));
      const r = await execa('node', [bin, 'lock', '--route', 'onnx2tf', '--python', '3.11', '-q'], {
        reject: false, cwd: root, extendEnv: false, stdin: 'ignore', timeout: 120_000,
        env: { ...env, NO_COLOR: '1', PIP_INDEX_URL: `http://127.0.0.1:${port}/simple`, TFDOCTOR_CACHE_DIR: cache },
      });
      expect(r.exitCode, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^tfdoctor: package index unreachable: http://127\\.0\\.0\\.1:${port}/simple/[a-z0-9-]+/: connection refused`));
      expect(lines.slice(1).every((l) => l.startsWith('  hint: '))).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
