#!/usr/bin/env node
import { run } from './program.js';

// a reader that stops early (`tfdoctor check | head`) ends the output quietly, not with a stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});
process.exitCode = await run(process.argv);
