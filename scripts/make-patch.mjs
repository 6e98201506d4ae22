#!/usr/bin/env node
// Regenerates a patch from an untouched file tree and an edited copy of it: writes <id>.diff
// (GNU `diff -U3`, git-style a/ b/ labels) beside <id>.yaml and rewrites that YAML's `files:`
// list with the sha256 of each original and patched file. Before writing anything it applies the
// new diff with tfdoctor's own applier and checks the result is byte-identical to the edited file,
// so a diff the engine would apply differently is never written.
//
//   node scripts/make-patch.mjs --orig DIR --edited DIR --yaml patches/<dist><range>/<id>.yaml PATH...
//
// DIR: a site-packages (or any folder holding the distribution's files as RECORD names them);
// PATH: relative to DIR, as in RECORD. A PATH absent from --orig becomes a created file
// (--- /dev/null); absent from --edited, a deleted one. The YAML must exist (id, title, fixes,
// evidence... are written by hand); only its `files:` list is replaced. Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  process.stderr.write(`make-patch: ${message}\n`);
  process.exit(2);
}

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** One file's section of the diff; null when the two sides are identical. */
function diffSection(origFile, editedFile, rel) {
  const oldLabel = origFile ? `a/${rel}` : '/dev/null';
  const newLabel = editedFile ? `b/${rel}` : '/dev/null';
  const r = spawnSync('diff', ['-U3', '--label', oldLabel, '--label', newLabel,
    origFile ?? '/dev/null', editedFile ?? '/dev/null'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) fail(`cannot run diff: ${r.error.message}`);
  if (r.status === 0) return null;
  if (r.status !== 1) fail(`diff failed on ${rel}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function main() {
  const { values, positionals } = parseArgs({
    options: { orig: { type: 'string' }, edited: { type: 'string' }, yaml: { type: 'string' } },
    allowPositionals: true,
  });
  if (!values.orig || !values.edited || !values.yaml || positionals.length === 0) {
    fail('usage: node scripts/make-patch.mjs --orig DIR --edited DIR --yaml patches/<dist><range>/<id>.yaml PATH...');
  }
  const yamlPath = resolve(values.yaml);
  if (!existsSync(yamlPath)) fail(`${yamlPath} does not exist: write its id, distribution, versions, title, fixes and evidence first`);
  const diffPath = yamlPath.replace(/\.ya?ml$/, '.diff');

  let applier;
  try {
    applier = await import(pathToFileURL(join(here, '..', 'dist', 'patch', 'diff.js')).href);
  } catch {
    fail('dist/patch/diff.js not found: run `npm run build` first');
  }

  const files = [];
  let diffText = '';
  for (const rel of positionals) {
    if (rel.startsWith('/') || rel.split('/').includes('..')) fail(`${rel}: paths are relative to the tree, without ..`);
    const origFile = join(values.orig, rel);
    const editedFile = join(values.edited, rel);
    const hasOrig = existsSync(origFile);
    const hasEdited = existsSync(editedFile);
    if (!hasOrig && !hasEdited) fail(`${rel} is in neither tree`);
    const section = diffSection(hasOrig ? origFile : null, hasEdited ? editedFile : null, rel);
    if (section === null) fail(`${rel} is unchanged: drop it from the list`);

    const original = hasOrig ? readFileSync(origFile) : null;
    const edited = hasEdited ? readFileSync(editedFile) : null;
    const [parsed] = applier.parseUnifiedDiff(section);
    const result = applier.applyFileDiff(original, parsed);
    const same = result === null ? edited === null : edited !== null && Buffer.compare(result, edited) === 0;
    if (!same) fail(`${rel}: the generated diff does not reproduce the edited file byte for byte`);

    diffText += section;
    files.push({
      path: rel,
      original_sha256: original ? sha256(original) : null,
      patched_sha256: edited ? sha256(edited) : null,
    });
  }

  const doc = parseDocument(readFileSync(yamlPath, 'utf8'));
  if (doc.errors.length) fail(`${yamlPath}: ${doc.errors[0].message.split('\n')[0]}`);
  doc.set('files', doc.createNode(files));
  for (const [path, text] of [[diffPath, diffText], [yamlPath, doc.toString({ lineWidth: 0 })]]) {
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  }
  process.stdout.write(`${basename(diffPath)}: ${files.length} file(s)\n`);
  for (const f of files) process.stdout.write(`  ${f.path}\n    ${f.original_sha256 ?? 'null'} -> ${f.patched_sha256 ?? 'null'}\n`);
}

await main();
