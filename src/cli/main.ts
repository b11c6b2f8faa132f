import { applyCommand, diffCommand } from './apply.ts';
import type { Command, CommandIo } from './command.ts';
import { convertCommand } from './convert.ts';
import { planCommand } from './plan.ts';
import { runCommand } from './run.ts';
import { templateCommand } from './template.ts';
import { versionCommand } from './version.ts';

/** Every verb, in the order `--help` lists them. */
export const commands: readonly Command[] = [runCommand, planCommand, diffCommand, applyCommand, templateCommand, convertCommand, versionCommand];

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'spire-eks-workload-registrar: keeps SPIRE registration entries in step with the pods of a fleet of EKS clusters.',
    '',
    'Usage: spire-eks-workload-registrar <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'spire-eks-workload-registrar <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/** Runs the command line `args` (without node and script) and resolves to the exit code. */
export async function main(args: readonly string[], io: CommandIo): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout(helpText());
    return 0;
  }
  if (verb === '--version') return versionCommand.run([], io);
  const command = commands.find((c) => c.name === verb);
  if (command === undefined) {
    io.stderr(`unknown command "${verb}"\n\n${helpText()}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`Usage: spire-eks-workload-registrar ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  return command.run(rest, io);
}
