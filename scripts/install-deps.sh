#!/usr/bin/env bash
# Installs the machine packages Registry needs, when missing: PostgreSQL server binaries for `run`,
# and for `test` also Chromium (browser tests, PDFs), poppler-utils (pdftotext, pdfinfo), qpdf,
# openssl and fonts that cover CJK names. As root it uses apt-get; otherwise it prints the one command to run.
set -euo pipefail
mode=${1:-run}
need=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need+=(postgresql)
command -v node >/dev/null || need+=(nodejs npm)
if [ "$mode" = test ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v pdftotext >/dev/null || need+=(poppler-utils)
  command -v qpdf >/dev/null || need+=(qpdf)
  command -v openssl >/dev/null || need+=(openssl)
  [ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
  [ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Registry needs: ${need[*]}. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing ${need[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
