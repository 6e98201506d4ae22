import type { Command } from 'commander';

// Placeholder until the 'patch' command lands; registered so the CLI shape is stable.
export function registerPatch(program: Command): void {
  program.command('patch').description('(patch: not implemented yet)').action(() => {
    process.stderr.write('tfdoctor patch: not implemented yet\n');
    process.exitCode = 2;
  });
}
