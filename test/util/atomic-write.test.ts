import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempPathFor, writeAtomic, writeAtomicSync, writeReplacingSync } from '../../src/util/atomic-write.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'tfdoctor-atomic-'));

describe('writeAtomic', () => {
  it('creates and replaces a file, leaving no temp file behind', async () => {
    const dir = fresh();
    const file = join(dir, 'out.txt');
    await writeAtomic(file, 'one\n');
    await writeAtomic(file, new TextEncoder().encode('two\n'), { syncDir: true });
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('sets the given permission bits exactly', async () => {
    const file = join(fresh(), 'script.py');
    await writeAtomic(file, 'x = 1\n', { mode: 0o754 });
    expect(statSync(file).mode & 0o777).toBe(0o754);
  });

  it('overwrites a stale named temp file (crash recovery reuses the name)', async () => {
    const dir = fresh();
    const file = join(dir, 'mod.py');
    const temp = tempPathFor(file, 'txn1');
    expect(temp).toBe(join(dir, '.mod.py.tfdoctor-txn1.tmp'));
    writeFileSync(temp, 'half a fi');
    await writeAtomic(file, 'whole\n', { temp });
    expect(readFileSync(file, 'utf8')).toBe('whole\n');
    expect(readdirSync(dir)).toEqual(['mod.py']);
  });

  it('on failure throws and removes its temp file; the target is untouched', async () => {
    const dir = fresh();
    const target = join(dir, 'taken');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'keep');
    await expect(writeAtomic(target, 'x')).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) });
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('keep');
  });
});

describe('writeAtomicSync', () => {
  it('creates and replaces; on failure removes its temp file and throws', () => {
    const dir = fresh();
    const file = join(dir, 'cache.json');
    writeAtomicSync(file, '{}');
    writeAtomicSync(file, '{"a":1}');
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}');
    const taken = join(dir, 'sub');
    mkdirSync(taken);
    writeFileSync(join(taken, 'f'), '');
    expect(() => writeAtomicSync(taken, 'x')).toThrow();
    expect(readdirSync(dir).sort()).toEqual(['cache.json', 'sub']);
  });
});

describe('writeReplacingSync', () => {
  it('creates and replaces a file from pieces, leaving no temp file behind', () => {
    const dir = fresh();
    const file = join(dir, 'model.tflite');
    const enc = new TextEncoder();
    writeReplacingSync(file, [enc.encode('old '), enc.encode('bytes')]);
    expect(readFileSync(file, 'utf8')).toBe('old bytes');
    writeReplacingSync(file, [enc.encode('new'), new Uint8Array(0), enc.encode(' bytes!')]);
    expect(readFileSync(file, 'utf8')).toBe('new bytes!');
    expect(readdirSync(dir)).toEqual(['model.tflite']);
  });

  it('on failure throws and removes its temp file; what is in the way is untouched', () => {
    const dir = fresh();
    const taken = join(dir, 'out.tflite');
    mkdirSync(taken);
    writeFileSync(join(taken, 'inside'), 'keep');
    expect(() => writeReplacingSync(taken, [new Uint8Array([1, 2, 3])])).toThrow();
    expect(readdirSync(dir)).toEqual(['out.tflite']);
    expect(readFileSync(join(taken, 'inside'), 'utf8')).toBe('keep');
  });
});
