import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/patch/catalogue.js';
import { UserError } from '../../src/util/errors.js';
import { fixtureCatalogue } from './fixture-env.js';

let root: string;
const yamlFile = () => join(root, 'demo-pkg==1.0.0', 'demo-mapping.yaml');
const diffFile = () => join(root, 'demo-pkg==1.0.0', 'demo-mapping.diff');
const edit = (path: string, from: string | RegExp, to: string) => {
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  expect(next, `edit of ${path} did nothing`).not.toBe(text);
  writeFileSync(path, next);
};

async function loadError(): Promise<string> {
  const err = await loadCatalogue(root).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tfdoctor-catalogue-'));
  cpSync(fixtureCatalogue, root, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('loadCatalogue validation', () => {
  it('an absent patches/ folder is an empty catalogue', async () => {
    expect((await loadCatalogue(join(root, 'nope'))).patches).toEqual([]);
  });

  it('malformed YAML names file:line', async () => {
    edit(yamlFile(), 'title: Replace', 'title: [Replace');
    expect(await loadError()).toMatch(new RegExp(`^${yamlFile().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: malformed YAML`));
  });

  it('a missing field names file:line and the field', async () => {
    edit(yamlFile(), /^fixes: .*\n/m, '');
    expect(await loadError()).toBe(`${yamlFile()}:2: missing field "fixes"`);
  });

  it('a bad hash names the line it is on', async () => {
    edit(yamlFile(), 'original_sha256: b67379c8', 'original_sha256: XYZ79c8');
    expect(await loadError()).toBe(`${yamlFile()}:16: original_sha256 must be a lowercase sha256 hex digest or null`);
  });

  it('a bad PEP 440 specifier is refused', async () => {
    edit(yamlFile(), 'versions: "==1.0.0"', 'versions: "=>1.0"');
    expect(await loadError()).toBe(`${yamlFile()}:4: versions "=>1.0" is not a PEP 440 specifier`);
  });

  it('diff paths must equal the files list', async () => {
    edit(diffFile(), /--- a\/demo_pkg\/util\.py[\s\S]*$/, '');
    expect(await loadError()).toBe(`${diffFile()}: the diff's files do not match demo-mapping.yaml's files list; not in the diff: demo_pkg/util.py`);
  });

  it('a malformed diff names diff:line', async () => {
    edit(diffFile(), '@@ -2,7 +2,7 @@', '@@ -2,9 +2,7 @@');
    expect(await loadError()).toMatch(new RegExp(`^${diffFile().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:11: malformed diff: `));
  });

  it('ids must be unique across folders, and match their file name', async () => {
    cpSync(join(root, 'demo-pkg==1.0.0', 'demo-mapping.yaml'), join(root, 'demo-pkg==2.0.0', 'demo-mapping.yaml'));
    cpSync(join(root, 'demo-pkg==1.0.0', 'demo-mapping.diff'), join(root, 'demo-pkg==2.0.0', 'demo-mapping.diff'));
    expect(await loadError()).toBe('patch id "demo-mapping" is defined twice: demo-pkg==1.0.0/demo-mapping.yaml and demo-pkg==2.0.0/demo-mapping.yaml');
    rmSync(join(root, 'demo-pkg==2.0.0', 'demo-mapping.yaml'));
    edit(yamlFile(), 'id: demo-mapping', 'id: demo-other');
    expect(await loadError()).toBe(`${yamlFile()}:2: id "demo-other" must match the file name "demo-mapping"`);
  });

  it('requires must name a known patch, without cycles', async () => {
    edit(yamlFile(), 'requires: []', 'requires: [demo-extra]');
    expect(await loadError()).toMatch(/requires forms a cycle: demo-(mapping|extra) -> demo-(extra|mapping) -> demo-(mapping|extra)/);
    edit(yamlFile(), 'requires: [demo-extra]', 'requires: [nothing-like-it]');
    expect(await loadError()).toBe(`${yamlFile()}: requires unknown patch "nothing-like-it"`);
  });

  it('a yaml without its diff is refused', async () => {
    rmSync(diffFile());
    expect(await loadError()).toBe(`${yamlFile()}: its diff demo-mapping.diff is missing`);
  });
});
