#!/usr/bin/env bash
# Installs the npm packages (the Node 24 runtime included) when they are missing or older than
# package-lock.json, so that `npm run demo` and `npm test` work as the first command on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
installed=node_modules/.package-lock.json
if [ ! -f "$installed" ]; then
  echo "npm packages: not installed yet; running npm ci (first time only)"
elif [ package-lock.json -nt "$installed" ]; then
  echo "npm packages: package-lock.json changed; running npm ci"
else
  exit 0
fi
npm ci --no-audit --no-fund
