import { readFileSync } from 'node:fs';
import type { Command } from './command.ts';

/** The package version, read from package.json beside src/ or dist/. */
export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : 'unknown';
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the version.',
  usage: 'version',
  run: async (_args, io) => {
    io.stdout(`spire-eks-workload-registrar ${packageVersion()}\n`);
    return 0;
  },
};
