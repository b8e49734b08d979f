// The provision command line: parses arguments, runs a subcommand, maps failures to exit codes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../engine/root.ts';
import { Command, CommanderError } from 'commander';
import { EXIT, UserError } from '../engine/errors.ts';
import { registerLab } from './lab.ts';
import { registerClone } from './images.ts';
import { registerVault } from './vault.ts';
import { registerDemo } from './demo.ts';
import { registerEngine } from './apply.ts';
import { registerLoad } from './load.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('provision')
    .description('Declarative, idempotent server provisioning over SSH: exact dry runs, real diffs, hosts in parallel.')
    .version(pkg.version)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`provision: ${text.replace(/^error: /, '').trim()}\n`) });
  registerEngine(program);
  registerLab(program);
  registerClone(program);
  registerVault(program);
  registerDemo(program);
  registerLoad(program);
  // Every subcommand fails the same way as the top level on a bad flag.
  const harden = (c: Command) => {
    c.exitOverride().showSuggestionAfterError(true);
    c.configureOutput(program.configureOutput());
    c.commands.forEach(harden);
  };
  program.commands.forEach(harden);
  return program;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version'].includes(err.code)) return EXIT.ok;
      if (process.env.PROVISION_DEBUG) process.stderr.write(`${err.code}\n`);
      return EXIT.invalid;
    }
    if (err instanceof UserError) {
      process.stderr.write(`provision: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`provision: ${(err as Error).message}\n`);
    if (process.env.PROVISION_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return EXIT.failed;
  }
}
