import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => Buffer.concat((await process.stdin.toArray()) as Buffer[]).toString('utf8'),
});
