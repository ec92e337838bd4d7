#!/usr/bin/env bash
# Front-end packages (pinned in src/Registry.Web/package.json and its lock file), copied into wwwroot/lib.
set -euo pipefail
cd "$(dirname "$0")/../src/Registry.Web"
[ -f package.json ] || exit 0
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.stamp ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.stamp
fi
[ -x ./copy-assets.sh ] && ./copy-assets.sh
exit 0
