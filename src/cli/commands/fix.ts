import type { Command } from 'commander';

// Placeholder until the 'fix' command lands; registered so the CLI shape is stable.
export function registerFix(program: Command): void {
  program.command('fix').description('(fix: not implemented yet)').action(() => {
    process.stderr.write('tfdoctor fix: not implemented yet\n');
    process.exitCode = 2;
  });
}
