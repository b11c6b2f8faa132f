#!/usr/bin/env node
// The published entry point runs the compiled JavaScript (`npm run build`, also run by `npm install`):
// Node does not strip types from files under node_modules.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`spire-eks-workload-registrar needs Node.js 24 or later; this is ${process.version}\n`);
  process.exit(1);
}
await import('../dist/main.js');
