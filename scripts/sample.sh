#!/usr/bin/env bash
# Runs a sample from samples/ in the foreground (Ctrl-C stops it), building what it needs first; no install.
#   scripts/sample.sh game [HTTP port, default 8088]    the game server that embeds Sockbridge; prints the page's URL
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  game) ;;
  *) echo "usage: scripts/sample.sh game [port]" >&2; exit 2 ;;
esac
bash scripts/setup-run.sh   # Java, Maven, npm; clients/js's cbor-x, which the game page loads
exec mvn -q -B -ntp -Dstyle.color=never -pl samples -am package -DskipTests -Pgame -Dgame.port="${2:-8088}"
