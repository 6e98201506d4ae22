// A minimal entry point over the patch engine for the fault test (patch-fault.test.ts): the same
// calls `tfdoctor fix --apply-patches` / `tfdoctor patch revert --all` make, without the rest of
// the CLI, compiled by the test into a private folder so that only the engine is under test.
//   node fault-cli.js plan|apply <venv> [patch ids...]   |   node fault-cli.js revert <venv>
import { resolveTarget } from '../../src/env/discover.js';
import { probeEnvironment } from '../../src/env/probe.js';
import { applyPatches } from '../../src/patch/apply.js';
import { loadCatalogue } from '../../src/patch/catalogue.js';
import { planPatches } from '../../src/patch/plan.js';
import { revertPatches } from '../../src/patch/revert.js';
import { describeError, UserError } from '../../src/util/errors.js';

async function main(): Promise<number> {
  const [command, venv, ...ids] = process.argv.slice(2);
  if (!venv || !['plan', 'apply', 'revert'].includes(command ?? '')) throw new UserError('usage: fault-cli plan|apply|revert VENV [IDS...]');
  const snapshot = await probeEnvironment(await resolveTarget({ venv }));
  if (command === 'plan') {
    const plans = await planPatches(await loadCatalogue(), snapshot, ids.length ? { only: ids } : {});
    process.stdout.write(`${JSON.stringify(plans.map((p) => [p.id, p.decision]))}\n`);
  } else if (command === 'apply') {
    const out = await applyPatches(await loadCatalogue(), snapshot, ids.length ? { only: ids } : {});
    process.stdout.write(`${JSON.stringify({ written: out.written, recovered: out.recovered })}\n`);
  } else {
    const out = await revertPatches(snapshot, { ids: [], all: true });
    process.stdout.write(`${JSON.stringify({ written: out.written, reverted: out.reverted, recovered: out.recovered })}\n`);
  }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`${describeError(err)}\n`);
  process.exitCode = err instanceof UserError ? err.exitCode : 3;
});
