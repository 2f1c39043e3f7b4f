#!/usr/bin/env bash
# Install the npm packages from package-lock.json when node_modules is missing or older than the
# lock. npm 11 writes locks that list only this platform's optional packages (rollup's, esbuild's)
# and then refuses them in `npm ci`; `npm install` completes them from the registry instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d node_modules ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then exit 0; fi
echo "== npm packages"
npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund
