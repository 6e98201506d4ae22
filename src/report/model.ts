// All wording of the model check (check --model, lock --model): each route's coverage of the model,
// its first gap and what closes it, and the model facts that hold.
import type { ChalkInstance } from 'chalk';
import type { ModelCheck, ModelFinding, OpGap, RouteModelCoverage } from '../model/index.js';

function opText(g: Pick<OpGap, 'op' | 'domain' | 'version'>): string {
  return `${g.domain ? `${g.domain}::` : ''}${g.op}${g.version !== null ? `-${g.version}` : ' (unknown to onnx)'}`;
}

/** What closes one gap, as the user would do it. */
export function closerText(g: OpGap): string {
  const ways = g.closedBy.patches.map((id) => `patch ${id} (tfdoctor fix --apply-patches --only ${id})`);
  if (g.closedBy.opset !== null) ways.push(`re-export at opset ${g.closedBy.opset} (torch.onnx.export(..., dynamo=False, opset_version=${g.closedBy.opset}))`);
  else if (g.closedBy.below !== null) {
    ways.push(`perhaps a re-export at opset ${g.closedBy.below} or lower, where ${g.op} does not exist yet and torch writes it with other ops (not judged)`);
  }
  return ways.length ? ways.join(', or ') : 'nothing known: no patch adds it and no export opset avoids it';
}

function routeLines(r: RouteModelCoverage, c: ChalkInstance): string[] {
  const resolved = r.resolvedAt !== null ? `, op versions resolved at opset ${r.resolvedAt}` : '';
  const counted = r.counted.length ? `, counting patch ${r.counted.join(', ')}` : '';
  switch (r.status) {
    case 'covered':
      return [`  ${c.green('✓')} ${r.route}: every op version is covered (${r.coverage}${resolved}${counted})`
        + (r.conditional.length ? c.dim(`; ${r.conditional.join(', ')} only when it folds to a constant`) : '')];
    case 'gap': {
      const g = r.firstGap!;
      const lines = [`  ${c.red('✗')} ${r.route}: stops at ${c.bold(opText(g))} (node ${g.node}): not covered (${r.coverage}${resolved}${counted})`,
        `      closes it: ${closerText(g)}`];
      if (r.gaps.length > 1) {
        lines.push(`      then: ${r.gaps.slice(1).map((x) => opText(x)).join(', ')}`);
        lines.push(`      all of them: ${r.closingOpset !== null ? `re-export at opset ${r.closingOpset}`
          : r.decomposedOpset !== null ? `perhaps a re-export at opset ${r.decomposedOpset} (some ops do not exist there yet; not judged)` : 'no single export opset'}`);
      }
      return lines;
    }
    case 'unknown':
      return [`  ${c.yellow('?')} ${r.route}: unknown — ${r.reason === 'converter-version'
        ? `the op table describes ${r.route} ${r.versions}, this env has ${r.found}`
        : `${r.note ?? 'no op table'}`}`];
    case 'not-applicable':
      return [`  ${c.dim('–')} ${r.route}: not applicable — ${r.note ?? 'the route does not read ONNX'}`];
  }
}

/** One model fact that holds, in words. */
export function modelFindingText(f: ModelFinding): string {
  switch (f.code) {
    case 'ONNX_TF_INPUT_NAME_KEYERROR':
      return `input "${f.args.input}"${Number(f.args.count) > 1 ? ` (and ${Number(f.args.count) - 1} more: ${f.args.inputs})` : ''} is not a Python identifier: `
        + `tf.function renames it, and onnx-tf fails with KeyError: '${f.args.input}' at the first node that reads it, before converting any op`;
    default:
      return f.kind === 'input-name' ? `input "${f.args.input}" has a name ${f.route} does not keep` : `${f.code} holds`;
  }
}

function findingLines(f: ModelFinding, c: ChalkInstance, verbose: boolean): string[] {
  const lines = [`  ${c.red('✗')} ${c.bold(f.code)} (${f.route}): ${modelFindingText(f)}`];
  for (const e of f.evidence) lines.push(`      ${c.dim('evidence:')} [${e.kind}] ${e.ref}${verbose ? ` — ${e.note}` : ''}`);
  lines.push(`      ${c.dim('proof:')} ${f.provenBy ?? 'unproven (no real-env test yet)'}`);
  for (const x of f.fixes) {
    lines.push(`      ${c.cyan('fix')} (${x.kind}): ${c.bold(x.command)}`);
    if (x.note) lines.push(`          ${c.dim(x.note)}`);
  }
  return lines;
}

/** The model section of a report. */
export function renderModelCheck(m: ModelCheck, c: ChalkInstance, verbose = false): string[] {
  const head = `${m.model.path}: ai.onnx opset ${m.model.opset ?? 'none'}, IR ${m.model.irVersion}, ${m.model.ops} op types`
    + `${m.model.producer ? `, from ${m.model.producer}` : ''}; inputs ${m.model.inputs.map((i) => JSON.stringify(i)).join(', ') || 'none'}`;
  const out = [c.bold('Model'), `  ${head}`, ...m.routes.flatMap((r) => routeLines(r, c))];
  if (m.supersedes?.length) {
    out.push(`  ${c.dim(`the model's own verdict replaces the prediction from torch's default export (${m.supersedes.join(', ')})`)}`);
  }
  if (m.findings.length) out.push(...m.findings.flatMap((f) => findingLines(f, c, verbose)));
  return out;
}
