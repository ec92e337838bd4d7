#!/usr/bin/env bash
# Copies the pinned npm packages the portal serves into wwwroot/lib (git ignores that folder).
set -euo pipefail
cd "$(dirname "$0")"
lib=wwwroot/lib
mkdir -p $lib/bootstrap $lib/bootstrap-icons
cp node_modules/bootstrap/dist/css/bootstrap.min.css $lib/bootstrap/
cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $lib/bootstrap-icons/
