#!/usr/bin/env bash
# Copies the pinned npm packages the portal serves into wwwroot/lib (git ignores that folder).
set -euo pipefail
cd "$(dirname "$0")"
lib=wwwroot/lib
mkdir -p $lib/bootstrap $lib/bootstrap-icons
cp node_modules/bootstrap/dist/css/bootstrap.min.css $lib/bootstrap/
cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $lib/bootstrap-icons/
# The lineage graph's layout (the bundle includes graphlib); drawn by wwwroot/js/lineage-graph.js.
mkdir -p $lib/dagre
cp node_modules/@dagrejs/dagre/dist/dagre.min.js $lib/dagre/
