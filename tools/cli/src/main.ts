#!/usr/bin/env node
import { CommanderError } from 'commander';
import { CliError } from './admin-client.js';
import { buildProgram } from './program.js';

// `w3pool ...`: errors go to stderr as `w3pool: CODE: message` (the API's code when it answered one)
// with exit code 1, so that scripts can test $? and people read why.
const program = buildProgram({ env: process.env, write: (text) => process.stdout.write(text) });
program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (usage, unknown command); help and --version exit 0.
    process.exitCode = error.exitCode === 0 ? 0 : 1;
  } else if (error instanceof CliError) {
    process.stderr.write(`w3pool: ${error.code}: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`w3pool: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
