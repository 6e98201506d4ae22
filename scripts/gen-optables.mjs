#!/usr/bin/env node
// Generates the op-coverage tables in matrix/generated/ from the packages themselves:
//   onnx-op-schemas.json         op -> since_versions, from onnx's own schema registry (pinned onnx)
//   onnx-tf-1.10.0-handlers.json op -> implemented handler versions, parsed from onnx-tf's wheel source
// By default both come from a throwaway venv (a temp dir, deleted afterwards) holding exactly the pinned onnx.
//
//   node scripts/gen-optables.mjs [--out DIR] [--python PY] [--date YYYY-MM-DD]
//     --python PY  use this interpreter (it must have onnx==ONNX_PIN) instead of a throwaway venv
//   node scripts/gen-optables.mjs exports [--out DIR]
//     exports the FBNet-like CNN with the `tools` venv's torch for each config in EXPORT_CONFIGS and writes
//     torch-export-ops.json (the op types each exporter/opset really emits)
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { basePython, ensureVenv } from './venvs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
export const ONNX_PIN = '1.20.1';
export const ONNX_TF_PIN = '1.10.0';
export const SCHEMAS_FILE = 'onnx-op-schemas.json';
export const HANDLERS_FILE = `onnx-tf-${ONNX_TF_PIN}-handlers.json`;
export const EXPORTS_FILE = 'torch-export-ops.json';
// torch.onnx.export calls observed by `exports`: the default call, and the TorchScript exporter at the
// opsets older torch versions defaulted to (matrix/torch-export.yaml), plus dynamo at 18.
export const EXPORT_CONFIGS = [
  { id: 'default', kwargs: {} },
  { id: 'dynamo-18', kwargs: { dynamo: true, opset_version: 18 } },
  { id: 'torchscript-13', kwargs: { dynamo: false, opset_version: 13 } },
  { id: 'torchscript-14', kwargs: { dynamo: false, opset_version: 14 } },
  { id: 'torchscript-17', kwargs: { dynamo: false, opset_version: 17 } },
  { id: 'torchscript-18', kwargs: { dynamo: false, opset_version: 18 } },
  { id: 'torchscript-20', kwargs: { dynamo: false, opset_version: 20 } },
];

const log = (m) => process.stderr.write(`[gen-optables] ${m}\n`);

/** JSON with keys sorted at every level and a trailing newline, so reruns diff only in the date. */
export function stableJson(value) {
  const sort = (v) => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])]));
    return v;
  };
  // arrays of numbers/strings stay on one line, so a version list reads as [1, 11, 13, 18]
  const text = JSON.stringify(sort(value), null, 2).replace(/\[\n\s*((?:(?:-?\d+|"[^"\n]*"),\n\s*)*(?:-?\d+|"[^"\n]*"))\n\s*\]/g,
    (_m, items) => `[${items.split(/,\n\s*/).join(', ')}]`);
  return `${text}\n`;
}

function writeAtomic(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${(r.stderr ?? '').split('\n').slice(-20).join('\n')}`);
  return r.stdout;
}

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function parseArgs(argv) {
  const opts = { out: join(repo, 'matrix', 'generated'), python: null, date: new Date().toISOString().slice(0, 10), cmd: 'tables' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === 'exports') opts.cmd = 'exports';
    else if (a === '--out') opts.out = resolve(argv[++i]);
    else if (a === '--python') opts.python = argv[++i];
    else if (a === '--date') opts.date = argv[++i];
    else throw new Error(`unknown argument ${a}; usage: node scripts/gen-optables.mjs [exports] [--out DIR] [--python PY] [--date YYYY-MM-DD]`);
  }
  return opts;
}

/** Generates both tables into opts.out; returns the paths written. */
export function generateTables(opts) {
  const work = mkdtempSync(join(tmpdir(), 'tfdoctor-optables-'));
  try {
    let python = opts.python;
    if (!python) {
      const venv = join(work, 'venv');
      log(`throwaway venv ${venv}: onnx==${ONNX_PIN}`);
      run(basePython(), ['-m', 'venv', venv]);
      python = join(venv, 'bin', 'python');
      run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `onnx==${ONNX_PIN}`]);
    }
    const schemas = JSON.parse(run(python, [join(here, 'optables', 'onnx_schemas.py')]));
    if (schemas.onnx_version !== ONNX_PIN) throw new Error(`${python} has onnx ${schemas.onnx_version}, expected ${ONNX_PIN}`);

    log(`pip download onnx-tf==${ONNX_TF_PIN} --no-deps`);
    const wheelDir = join(work, 'wheel');
    run(python, ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '-d', wheelDir, `onnx-tf==${ONNX_TF_PIN}`]);
    const wheels = readdirSync(wheelDir).filter((f) => f.endsWith('.whl'));
    if (wheels.length !== 1) throw new Error(`expected one onnx-tf wheel, got ${wheels.join(', ') || 'none'}`);
    const wheel = join(wheelDir, wheels[0]);
    const handlers = JSON.parse(run(python, [join(here, 'optables', 'onnx_tf_handlers.py'), wheel]));

    const header = (script, source) => ({
      generator: `scripts/gen-optables.mjs (${script})`,
      regenerate: 'node scripts/gen-optables.mjs',
      generated: opts.date,
      source,
    });
    const schemasPath = join(opts.out, SCHEMAS_FILE);
    writeAtomic(schemasPath, stableJson({
      ...header('scripts/optables/onnx_schemas.py', { package: 'onnx', version: ONNX_PIN, api: 'onnx.defs.get_all_schemas_with_history()' }),
      domain: 'ai.onnx',
      max_opset: schemas.max_opset,
      version_table: schemas.version_table,
      ops: schemas.ops,
    }));
    const handlersPath = join(opts.out, HANDLERS_FILE);
    writeAtomic(handlersPath, stableJson({
      ...header('scripts/optables/onnx_tf_handlers.py', {
        package: 'onnx-tf', version: ONNX_TF_PIN, wheel: wheels[0], wheel_sha256: sha256(wheel),
        parsed: 'onnx_tf/handlers/backend/*.py: @onnx_op classes and their version_N methods (ast, not imported)',
      }),
      handlers: handlers.handlers,
      inherited_versions: handlers.inherited_versions,
      opset_version_py: handlers.opset_version_py,
    }));
    const ops = Object.keys(schemas.ops).length;
    log(`${relative(repo, schemasPath)}: ${ops} ops, max opset ${schemas.max_opset}`);
    log(`${relative(repo, handlersPath)}: ${Object.keys(handlers.handlers).length} handlers, ` +
      `${handlers.opset_version_py.mismatches.length} mismatches vs onnx_tf/opset_version.py`);
    return [schemasPath, handlersPath];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs export_cnn.py with `python` for one config into `dir`; returns its JSON report. */
export function exportCnn(python, kwargs, dir) {
  const out = run(python, [join(here, 'optables', 'export_cnn.py'), JSON.stringify(kwargs), dir]);
  return JSON.parse(out.trim().split('\n').at(-1));
}

export function generateExports(opts) {
  const { python } = ensureVenv('tools');
  const work = mkdtempSync(join(tmpdir(), 'tfdoctor-exports-'));
  try {
    const exports = {};
    let torch = null;
    for (const cfg of EXPORT_CONFIGS) {
      log(`export ${cfg.id}: torch.onnx.export(model, args, f${Object.entries(cfg.kwargs).map(([k, v]) => `, ${k}=${JSON.stringify(v)}`).join('')})`);
      const r = exportCnn(python, cfg.kwargs, join(work, cfg.id));
      torch = r.torch;
      exports[cfg.id] = {
        kwargs: cfg.kwargs,
        exporter: r.exporter,
        opset: r.opset_imports[''],
        ir_version: r.ir_version,
        external_data: r.external_data_locations.length > 0,
        ops: r.ops.map((o) => o.op),
        other_domain_ops: r.other_domain_ops,
      };
    }
    const path = join(opts.out, EXPORTS_FILE);
    writeAtomic(path, stableJson({
      generator: 'scripts/gen-optables.mjs exports (scripts/optables/export_cnn.py)',
      regenerate: 'node scripts/gen-optables.mjs exports',
      generated: opts.date,
      source: { package: 'torch', version: torch, model: 'SmallFBNet in scripts/optables/export_cnn.py (the seed FBNet blocks)' },
      exports,
    }));
    log(`${relative(repo, path)}: ${Object.keys(exports).length} exports with torch ${torch}`);
    return [path];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const written = opts.cmd === 'exports' ? generateExports(opts) : generateTables(opts);
    for (const p of written) console.log(relative(process.cwd(), p));
  } catch (err) {
    process.stderr.write(`gen-optables: ${err.message}\n`);
    process.exit(1);
  }
}
