#!/usr/bin/env node
// The published entry point runs the compiled JavaScript (`npm run build`, also run by `npm install`):
// Node does not strip types from files under node_modules.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`spire-eks-workload-registrar needs Node.js 24 or later; this is ${process.version}\n`);
  process.exit(1);
}
// `run` is a long-running controller that favours memory over speed (docs/adr/0018). V8 applies
// --optimize-for-size fully only from the command line (the heap then also starts small: 2 x 10 000 pods
// peaked at 172 MiB RSS, against 217 MiB with the flag set once running), and Node refuses it in
// NODE_OPTIONS: so the process replaces itself once with the flag, keeping its PID, stdio and signals.
// With it, V8's allocation-site pretenuring is turned off: a page of a SPIRE listing is decoded whole
// before it is compared, so its objects outlived young collections and V8 allocated them in the old
// generation, where a full reconciliation of 100 000 entries left them for full collections (docs/adr/0029).
if (process.argv[2] === 'run' && !process.execArgv.includes('--optimize-for-size')) {
  process.execve(process.execPath, [process.execPath, '--optimize-for-size', '--no-allocation-site-pretenuring', ...process.execArgv, ...process.argv.slice(1)], process.env);
}
// V8's compiled code of the modules is kept between starts (in NODE_COMPILE_CACHE, or else the system's
// temporary directory, an emptyDir in the chart): a restarted controller compiles little (docs/adr/0028).
const { enableCompileCache } = await import('node:module');
enableCompileCache();
await import('../dist/main.js');
