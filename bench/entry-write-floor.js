// `node [flags] bench/entry-write-floor.js SOCKET ENTRIES_JSON`: what Node alone costs to write entries.
// It loads only the registrar's compiled Entry API client (dist/, as `run` loads it: JavaScript, so that no
// type stripping is counted), creates the entries of the JSON file (RegistrationEntry objects) in the
// client's default batches, and prints one JSON line: its CPU seconds from process start (every thread),
// of which loading the client, and how many entries the server created. bench/scm-side-by-side.ts runs it
// as the floor any controller written in Node pays for the same writes.
import { readFileSync } from 'node:fs';

const [socketPath, entriesPath] = process.argv.slice(2);
if (socketPath === undefined || entriesPath === undefined) throw new Error('usage: node bench/entry-write-floor.js SOCKET ENTRIES_JSON');
const cpuSeconds = (usage) => (usage.userCPUTime + usage.systemCPUTime) / 1e6;

const { createEntryClient } = await import('../dist/spire/entry-client.js');
const loadCpuSeconds = cpuSeconds(process.resourceUsage());
const entries = JSON.parse(readFileSync(entriesPath, 'utf8'));
const client = createEntryClient({ socketPath });
try {
  const outcomes = await client.createEntries(entries);
  const created = outcomes.filter((outcome) => outcome.kind === 'ok').length;
  process.stdout.write(`${JSON.stringify({ cpuSeconds: cpuSeconds(process.resourceUsage()), loadCpuSeconds, created })}\n`);
} finally {
  client.close();
}
